// Labels of the totem in the tenant's language; English fills any gap.
const LABELS = {
  en: {
    fullscreen: "Full screen",
    takeHome: "Take it home",
    takeHomeTitle: "Take it home",
    takeHomeHint: "Scan with your phone to open this design.",
    picture: "Picture",
    pictureTitle: "Your picture",
    picturePreparing: "Preparing your picture…",
    pictureFailed: "The picture could not be made. Please try again.",
    download: "Download",
    close: "Close",
    retry: "Try again",
    stillThere: "Still there?",
    idleCountdown: "Starting over in {n} s.",
    imHere: "I'm here",
    oneMoment: "One moment…",
    loading: "Loading",
    failed: "Something went wrong on our side.",
    offline: "We can't reach the server right now.",
    scenes: "Scenes",
    materials: "Materials",
    view: "360° view",
    qrAlt: "QR code of this design",
    stillAlt: "Picture of this design",
  },
  "pt-br": {
    fullscreen: "Tela cheia",
    takeHome: "Leve para casa",
    takeHomeTitle: "Leve para casa",
    takeHomeHint: "Aponte a câmera do celular para abrir este projeto.",
    picture: "Foto",
    pictureTitle: "Sua foto",
    picturePreparing: "Preparando sua foto…",
    pictureFailed: "Não foi possível gerar a foto. Tente de novo.",
    download: "Baixar",
    close: "Fechar",
    retry: "Tentar de novo",
    stillThere: "Ainda está aí?",
    idleCountdown: "Recomeçando em {n} s.",
    imHere: "Estou aqui",
    oneMoment: "Só um momento…",
    loading: "Carregando",
    failed: "Algo deu errado do nosso lado.",
    offline: "Não conseguimos falar com o servidor agora.",
    scenes: "Ambientes",
    materials: "Materiais",
    view: "Vista 360°",
    qrAlt: "QR code deste projeto",
    stillAlt: "Foto deste projeto",
  },
};

export function translator(language) {
  const code = String(language || "en").toLowerCase();
  const table = LABELS[code] || LABELS[code.split("-")[0]] || LABELS.en;
  return (key, values = {}) => {
    const text = table[key] ?? LABELS.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  };
}

// Fills every [data-label] element's text (and aria-label on icon buttons) from the dictionary.
export function translatePage(root, t) {
  for (const element of root.querySelectorAll("[data-label]")) {
    const text = t(element.dataset.label);
    if (element.classList.contains("icon-button")) {
      element.setAttribute("aria-label", text);
      element.title = text;
    } else {
      element.textContent = text;
    }
  }
}
