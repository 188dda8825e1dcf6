// The totem page: boots from the embedded settings, keeps one configuration on screen and
// in the address bar, and never leaves the customer in front of a dead screen.
import { ApiFailure, createApi, isAbort, kioskKey, RateLimited, sleep } from "./api.js";
import { defaultSelection, normalizeConfig, selectionFrom } from "./config.js";
import { translatePage, translator } from "./i18n.js";
import { IdleWatch, lockChrome, setupFullscreen } from "./kiosk.js";
import { Picker } from "./picker.js";
import { reflectInAddressBar, requestedConfiguration, showQr, showStill } from "./share.js";
import { Panorama } from "./viewer.js";

const DEBOUNCE_MS = 150;
const $ = (id) => document.getElementById(id);
const boot = JSON.parse($("totem-boot").textContent);
const t = translator(boot.language);
const api = createApi(boot, kioskKey(boot.tenant));
const body = document.body;

// Timings for measurement and the browser tests: {name, t (ms since navigation), ...}.
const metrics = (window.totemMetrics = []);
function record(name, detail = {}) {
  metrics.push({ name, t: performance.now(), ...detail });
}

const state = { config: null, scene: null, selection: {}, job: null, debounce: null, retry: null };

// Marzipano loads in parallel with the catalog (async script): the chrome paints first.
function marzipanoLoaded() {
  if (window.Marzipano) return Promise.resolve();
  const script = $("marzipano-script");
  return new Promise((resolve, reject) => {
    script.addEventListener("load", resolve, { once: true });
    script.addEventListener("error", reject, { once: true });
  });
}
let panorama = null;
const panoramaReady = marzipanoLoaded().then(() => {
  panorama = new Panorama($("pano"), { onEvent: panoramaEvent });
  return panorama;
});
// Read-only hook for measurements and browser tests: screen ↔ yaw/pitch of what is shown.
window.totemView = () => panorama?.currentView() ?? null;
const picker = new Picker({
  scenes: $("scenes"),
  layers: $("layers"),
  options: $("options"),
  t,
  onScene: chooseScene,
  onOption: chooseOption,
  onLayer: (layer) => layer.poi && panorama?.lookAt(layer.poi),
});

function panoramaEvent(name, detail) {
  if (name === "switch") {
    body.dataset.shown = detail.build;
    body.dataset.levelsLoaded = "1";
    record(detail.first ? "first-frame" : "shown", detail);
  } else if (name === "faded") {
    record("faded", detail);
  } else if (name === "level") {
    const loaded = Math.max(Number(body.dataset.levelsLoaded || 0), detail.level + 1);
    body.dataset.levelsLoaded = String(loaded);
  } else if (name === "sharp") {
    body.dataset.sharp = detail.build;
    record("sharp", detail);
  }
}

// --- Messages -------------------------------------------------------------------------

function showNotice(text, retry = null) {
  $("notice-text").textContent = text;
  $("notice-retry").hidden = !retry;
  state.retry = retry;
  $("notice").hidden = false;
}

function hideNotice() {
  $("notice").hidden = true;
  state.retry = null;
}

function showFailure(error, retry) {
  body.dataset.state = "error";
  const offline = error instanceof ApiFailure && error.status === 0;
  showNotice(t(offline ? "offline" : "failed"), retry);
}

function showProgress(render) {
  const bar = $("progress");
  const { tiles_done: done = 0, tiles_total: total = 0 } = render.progress || {};
  const ready = render.status === "ready";
  bar.hidden = ready;
  const percent = ready ? 100 : total ? Math.round((100 * done) / total) : 0;
  bar.setAttribute("aria-valuenow", String(percent));
  bar.firstElementChild.style.width = `${Math.max(percent, 4)}%`;
  body.dataset.status = render.status;
  body.dataset.levelsReady = String(render.progress?.levels_ready ?? 0);
}

// --- Talking to the service -------------------------------------------------------------

async function politely(request, signal) {
  for (;;) {
    try {
      return await request();
    } catch (error) {
      if (!(error instanceof RateLimited)) throw error;
      body.dataset.state = "rate-limited";
      showNotice(t("oneMoment"));
      await sleep(error.retryAfterSeconds * 1000, signal);
      hideNotice();
    }
  }
}

// Follows one render until every level is stored, feeding levels to the panorama as they land.
async function follow(render, { scene, view, keepView, signal }) {
  reflectInAddressBar(scene.slug, render.build);
  body.dataset.build = render.build;
  const restored = selectionFrom(render, scene);
  if (restored) {
    state.selection = restored;
    picker.mark(restored);
  }
  const panorama = await panoramaReady;
  // A queued job may not know its levels yet; the panorama starts with the first answer that does.
  const feed = (answer) => {
    if (answer.viewer?.levels?.length) panorama.show(answer, { view, keepView });
  };
  feed(render);
  let current = render;
  for (let attempt = 0; current.status !== "ready"; attempt += 1) {
    if (current.status === "failed") throw new ApiFailure(500, "render failed");
    showProgress(current);
    await sleep(attempt < 8 ? 150 : 400, signal);
    current = await politely(() => api.status(current.status_url, signal), signal);
    feed(current);
  }
  showProgress(current);
}

async function apply({ scene, selection, build = null, keepView = true }) {
  state.job?.abort();
  const job = new AbortController();
  state.job = job;
  const { signal } = job;
  hideNotice();
  body.dataset.state = "loading";
  const again = () => apply({ scene, selection, build, keepView });
  try {
    let render;
    if (build) {
      render = await politely(() => api.renderByBuild(build, signal), signal).catch((error) => {
        if (error instanceof ApiFailure && [400, 404].includes(error.status)) return null;
        throw error;
      });
    }
    render ??= await politely(() => api.render({ scene: scene.slug, selection }, signal), signal);
    await follow(render, { scene, view: scene.defaultView, keepView, signal });
    if (state.job === job) body.dataset.state = "ready";
  } catch (error) {
    if (isAbort(error) || signal.aborted) return;
    // Without the viewer script nothing but a fresh load can help.
    showFailure(error, panorama ? again : () => window.location.reload());
  }
}

// --- Customer actions ---------------------------------------------------------------------

function chooseOption(layerSlug, code) {
  state.selection = { ...state.selection, [layerSlug]: code };
  picker.mark(state.selection);
  clearTimeout(state.debounce);
  record("tap", { layer: layerSlug, option: code });
  state.debounce = setTimeout(() => apply({ scene: state.scene, selection: state.selection }), DEBOUNCE_MS);
}

function enterScene(scene, { selection = defaultSelection(scene), build = null } = {}) {
  clearTimeout(state.debounce);
  state.scene = scene;
  state.selection = selection;
  picker.showScenes(state.config, scene.slug);
  picker.showScene(scene, selection);
  apply({ scene, selection, build, keepView: false });
}

function chooseScene(slug) {
  const scene = state.config.sceneBySlug.get(slug);
  if (scene && scene !== state.scene) enterScene(scene);
}

async function resetToDefaults() {
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  // A kiosk runs for days: starting over is when it picks up the catalog's changes.
  try {
    const fresh = normalizeConfig(await api.config());
    if (fresh.scenes.length) state.config = fresh;
  } catch {
    // keep the catalog we have
  }
  const scene = state.config.scenes[0];
  panorama?.stopMovement();
  if (scene.slug === state.scene?.slug) panorama?.resetView(scene.defaultView);
  picker.openLayer = null;
  enterScene(scene);
  record("idle-reset");
}

function setupActions() {
  $("notice-retry").addEventListener("click", () => state.retry?.());
  $("take-home").addEventListener("click", () => {
    if (body.dataset.build) showQr({ dialog: $("share-dialog"), image: $("share-qr"), api, build: body.dataset.build, t });
  });
  $("picture").addEventListener("click", () => {
    if (!body.dataset.build) return;
    const elements = { dialog: $("still-dialog"), status: $("still-status"), image: $("still-image"), download: $("still-download") };
    showStill({ elements, api, build: body.dataset.build, t });
  });
  setupFullscreen($("fullscreen"));
}

function setupKiosk() {
  const dialog = $("idle-dialog");
  const countdown = (left) => { $("idle-text").textContent = t("idleCountdown", { n: left }); };
  new IdleWatch({
    idleSeconds: boot.idleResetSeconds,
    onNotice: (left) => { countdown(left); if (!dialog.open) dialog.showModal(); },
    onTick: countdown,
    onReset: resetToDefaults,
    onActive: () => dialog.open && dialog.close(),
  });
  panoramaReady.then((ready) => ready.setIdleRotation(Math.max(20, boot.idleResetSeconds / 3) * 1000));
}

function applyBranding() {
  const root = document.documentElement.style;
  root.setProperty("--accent", boot.primaryColor);
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(boot.primaryColor.slice(i, i + 2), 16) / 255);
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  root.setProperty("--on-accent", luminance > 0.55 ? "#111" : "#fff");
}

async function loadConfig() {
  if (boot.config) return normalizeConfig(boot.config);
  for (;;) {
    try {
      return normalizeConfig(await politely(() => api.config()));
    } catch (error) {
      await new Promise((resolve) => showFailure(error, () => { hideNotice(); resolve(); }));
    }
  }
}

async function start() {
  lockChrome();
  translatePage(document, t);
  $("pano").setAttribute("aria-label", t("view"));
  $("progress").setAttribute("aria-label", t("loading"));
  applyBranding();
  setupActions();
  state.config = await loadConfig();
  const wanted = requestedConfiguration();
  const scene = state.config.sceneBySlug.get(wanted.scene) ?? state.config.scenes[0];
  if (!scene) {
    showNotice(t("failed"), () => window.location.reload());
    return;
  }
  enterScene(scene, { build: wanted.scene === scene.slug ? wanted.build : null });
  setupKiosk();
}

start();
