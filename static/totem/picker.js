// The chrome the customer taps: scene buttons, one tab per layer, that layer's materials.

function button(className, text, onTap) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  if (text) element.textContent = text;
  element.addEventListener("click", onTap);
  return element;
}

function optionButton(option, onTap) {
  const element = button("option", "", onTap);
  element.dataset.option = option.code;
  if (option.thumbnail) {
    const image = document.createElement("img");
    image.src = option.thumbnail;
    image.alt = "";
    image.width = 72;
    image.height = 72;
    image.decoding = "async";
    element.append(image);
  } else {
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    element.append(swatch);
  }
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = option.name;
  element.append(name);
  return element;
}

export class Picker {
  constructor({ scenes, layers, options, t, onScene, onOption, onLayer }) {
    Object.assign(this, { scenesEl: scenes, layersEl: layers, optionsEl: options, t, onScene, onOption, onLayer });
    this.openLayer = null;
    this.selection = {};
  }

  showScenes(config, currentSlug) {
    this.scenesEl.replaceChildren();
    this.scenesEl.setAttribute("aria-label", this.t("scenes"));
    if (config.scenes.length < 2) return;
    for (const scene of config.scenes) {
      const element = button("scene", scene.name, () => this.onScene(scene.slug));
      element.dataset.scene = scene.slug;
      element.setAttribute("aria-pressed", String(scene.slug === currentSlug));
      this.scenesEl.append(element);
    }
  }

  showScene(scene, selection) {
    this.scene = scene;
    this.selection = selection;
    this.layersEl.replaceChildren();
    this.layersEl.setAttribute("aria-label", this.t("materials"));
    for (const layer of scene.layers) {
      const tab = button("layer", layer.name, () => this.open(layer.slug, { focus: true }));
      tab.dataset.layer = layer.slug;
      tab.id = `layer-tab-${layer.slug}`;
      tab.setAttribute("role", "tab");
      this.layersEl.append(tab);
    }
    const keep = scene.layers.some((layer) => layer.slug === this.openLayer);
    this.open(keep ? this.openLayer : scene.layers[0]?.slug, { focus: false });
  }

  open(layerSlug, { focus } = {}) {
    const layer = this.scene?.layers.find((candidate) => candidate.slug === layerSlug);
    if (!layer) return;
    this.openLayer = layer.slug;
    for (const tab of this.layersEl.children) {
      tab.setAttribute("aria-selected", String(tab.dataset.layer === layer.slug));
    }
    this.optionsEl.setAttribute("aria-labelledby", `layer-tab-${layer.slug}`);
    this.optionsEl.dataset.layer = layer.slug;
    this.optionsEl.replaceChildren(
      ...layer.options.map((option) => optionButton(option, () => this.onOption(layer.slug, option.code))),
    );
    this.mark(this.selection);
    if (focus) this.onLayer(layer);
  }

  mark(selection, sceneSlug) {
    this.selection = selection;
    const chosen = selection[this.optionsEl.dataset.layer];
    for (const element of this.optionsEl.children) {
      element.setAttribute("aria-pressed", String(element.dataset.option === chosen));
    }
    if (sceneSlug) {
      for (const element of this.scenesEl.children) {
        element.setAttribute("aria-pressed", String(element.dataset.scene === sceneSlug));
      }
    }
  }
}
