// Sharing: the address bar always holds ?scene=&build=, the QR code encodes it, and the
// "picture" button fetches the flat 2D still of the same build.
import { isAbort, RateLimited, sleep } from "./api.js";

export function shareUrl(sceneSlug, build) {
  const url = new URL(window.location.href);
  url.search = "";
  url.hash = ""; // also drops a kiosk key (#key=…) once it is stored
  url.searchParams.set("scene", sceneSlug);
  url.searchParams.set("build", build);
  return url.toString();
}

export function reflectInAddressBar(sceneSlug, build) {
  const url = shareUrl(sceneSlug, build);
  if (url !== window.location.href) window.history.replaceState(null, "", url);
}

export function requestedConfiguration() {
  const params = new URLSearchParams(window.location.search);
  return { scene: params.get("scene"), build: params.get("build") };
}

export async function showQr({ dialog, image, api, build, t }) {
  image.alt = t("qrAlt");
  if (image.src.startsWith("blob:")) URL.revokeObjectURL(image.src);
  image.removeAttribute("src");
  dialog.showModal();
  try {
    image.src = await api.qrImage(build);
  } catch {
    image.alt = t("failed");
  }
}

const stillUrlOf = (answer) => answer?.url || answer?.still_url || answer?.image || answer?.still?.url || "";

async function waitForStill(api, build, signal) {
  let answer = await api.still(build, signal);
  for (let attempt = 0; !stillUrlOf(answer) || answer.status && answer.status !== "ready"; attempt += 1) {
    if (answer.status === "failed" || attempt > 240) throw new Error("still failed");
    await sleep(Math.min(250 + attempt * 100, 1000), signal);
    answer = answer.status_url ? await api.status(answer.status_url, signal) : await api.still(build, signal);
  }
  return stillUrlOf(answer);
}

export async function showStill({ elements, api, build, t }) {
  const { dialog, status, image, download } = elements;
  const controller = new AbortController();
  dialog.addEventListener("close", () => controller.abort(), { once: true });
  image.hidden = true;
  download.hidden = true;
  status.textContent = t("picturePreparing");
  dialog.showModal();
  for (;;) {
    try {
      const url = await waitForStill(api, build, controller.signal);
      image.alt = t("stillAlt");
      image.src = url;
      image.hidden = false;
      download.href = url;
      download.hidden = false;
      status.textContent = "";
      return;
    } catch (error) {
      if (isAbort(error)) return;
      if (error instanceof RateLimited) {
        status.textContent = t("oneMoment");
        try { await sleep(error.retryAfterSeconds * 1000, controller.signal); } catch { return; }
        continue;
      }
      status.textContent = t("pictureFailed");
      return;
    }
  }
}
