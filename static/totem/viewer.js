// The 360° view: Marzipano scenes fed by a render answer (DESIGN.md `viewer`), shown
// progressively. Level 0 is pinned so a scene is never black; tiles of levels the server has
// not stored yet are held back (not failed) and fetched the moment `levels_ready` covers them,
// while Marzipano draws the best loaded level underneath. A new combination is prepared off
// screen and crossfaded in only once its whole level 0 has loaded, so the old one stays until then.

const CROSSFADE_MS = 300;
const MAX_FOV = (120 * Math.PI) / 180;

const tileKey = (tile) => `${tile.face}/${tile.z}/${tile.x}/${tile.y}`;

// A Marzipano source (loadAsset/cancel contract) that waits for a level to be stored.
class ProgressiveSource {
  constructor(tiles, levelsReady) {
    this.tiles = { ...tiles };
    this.levelsReady = levelsReady;
    this.waiting = new Set();
    this.inner = new window.Marzipano.ImageUrlSource((tile) => ({ url: this.tiles[tileKey(tile)] }), {
      concurrency: 6,
      retryDelay: 1500,
    });
  }

  available(tile) {
    return tile.z < this.levelsReady && Boolean(this.tiles[tileKey(tile)]);
  }

  loadAsset(stage, tile, done) {
    if (this.available(tile)) return this.inner.loadAsset(stage, tile, done);
    const waiter = { stage, tile, done, cancelInner: null };
    this.waiting.add(waiter);
    return (...args) => {
      if (this.waiting.delete(waiter)) done(...args);
      else waiter.cancelInner?.(...args);
    };
  }

  // The service lists the URLs of stored levels only: each answer may add some.
  setLevelsReady(levelsReady, tiles) {
    if (tiles) Object.assign(this.tiles, tiles);
    if (levelsReady <= this.levelsReady) return;
    this.levelsReady = levelsReady;
    for (const waiter of [...this.waiting]) {
      if (!this.available(waiter.tile)) continue;
      this.waiting.delete(waiter);
      waiter.cancelInner = this.inner.loadAsset(waiter.stage, waiter.tile, waiter.done);
    }
  }
}

// Looking exactly along an axis puts the vertices of the side faces' tiles at w ≈ 0, and
// SwiftShader (headless Chromium, GPU-less kiosks) then drops those tiles, leaving black bands.
// Keeping yaw and pitch 0.6° off exact multiples of 90° avoids it; nobody sees 0.6°.
const QUARTER = Math.PI / 2;
const NUDGE = 0.01;

function offRightAngles(params) {
  for (const name of ["yaw", "pitch"]) {
    const rest = Math.abs(params[name] / QUARTER - Math.round(params[name] / QUARTER)) * QUARTER;
    if (rest < NUDGE) params[name] += NUDGE;
  }
  return params;
}

function verticalFov(horizontal, element) {
  const { clientWidth: width, clientHeight: height } = element;
  if (!width || !height) return horizontal;
  return 2 * Math.atan((Math.tan(horizontal / 2) * height) / width);
}

export class Panorama {
  constructor(element, { onEvent = () => {} } = {}) {
    const Marzipano = window.Marzipano;
    this.element = element;
    this.onEvent = onEvent;
    this.viewer = new Marzipano.Viewer(element, {
      controls: { mouseViewMode: "drag" },
      stage: { progressive: true },
    });
    const controls = this.viewer.controls();
    controls.enableMethodGroup("arrowKeys");
    controls.enableMethodGroup("plusMinusKeys");
    this.current = null; // {build, scene, source, levels, loaded:Set of levels}
    this.pending = null;
    this.heading = null; // {target, until}: the last camera move asked for
    this.switching = Promise.resolve();
    this.viewer.stage().addEventListener("renderComplete", (stable) => this.#renderComplete(stable));
  }

  get build() {
    return this.current?.build ?? null;
  }

  // Show a render answer; resolves true once it is on screen (false if superseded first).
  show(render, { view, keepView = true } = {}) {
    const build = render.build;
    if (this.current?.build === build) {
      this.update(render);
      return Promise.resolve(true);
    }
    if (this.pending?.build === build) {
      this.update(render);
      return this.pending.shown;
    }
    this.#dropPending();
    const entry = this.#createEntry(render, view, keepView);
    this.pending = entry;
    entry.shown = entry.level0.then(() => this.#switchTo(entry));
    return entry.shown;
  }

  // A newer answer for a build on (or coming to) the screen: more levels may be stored.
  update(render) {
    for (const entry of [this.current, this.pending]) {
      if (entry?.build === render.build) {
        entry.source.setLevelsReady(render.progress?.levels_ready ?? 0, render.viewer?.tiles);
      }
    }
  }

  lookAt({ yaw, pitch, fov }, duration = 800) {
    const scene = this.current?.scene;
    if (!scene) return;
    const target = { yaw, pitch };
    if (fov !== undefined) target.fov = verticalFov(fov, this.element);
    const heading = { target, until: performance.now() + duration, scene, done: false };
    this.heading = heading;
    scene.lookTo(target, { transitionDuration: duration }, () => this.#headingOver(heading, scene));
  }

  resetView({ yaw, pitch, fov }) {
    this.heading = null;
    this.current?.scene.view().setParameters({ yaw, pitch, fov: verticalFov(fov, this.element) });
  }

  currentView() {
    return this.current?.scene.view() ?? null;
  }

  viewParameters() {
    return this.current?.scene.view().parameters() ?? null;
  }

  setIdleRotation(afterMs) {
    const movement = window.Marzipano.autorotate({ yawSpeed: 0.04, targetPitch: 0 });
    this.viewer.setIdleMovement(afterMs, movement);
  }

  stopMovement() {
    this.viewer.stopMovement();
  }

  #createEntry(render, view, keepView) {
    const Marzipano = window.Marzipano;
    const levels = render.viewer.levels;
    const source = new ProgressiveSource(render.viewer.tiles, render.progress?.levels_ready ?? 0);
    const geometry = new Marzipano.CubeGeometry(levels);
    const topSize = Math.max(...levels.map((level) => level.size));
    const limiter = Marzipano.util.compose(
      Marzipano.RectilinearView.limit.traditional(topSize * 1.5, MAX_FOV),
      offRightAngles,
    );
    const start = (keepView && this.viewParameters()) || {
      yaw: view?.yaw ?? 0,
      pitch: view?.pitch ?? 0,
      fov: verticalFov(view?.fov ?? Math.PI / 2, this.element),
    };
    const rectilinear = new Marzipano.RectilinearView(start, limiter);
    const scene = this.viewer.createScene({ source, geometry, view: rectilinear, pinFirstLevel: true });
    const entry = { build: render.build, scene, source, levels, keepView, loaded: new Set(), dropped: false };
    const level0Tiles = geometry.levelTiles(geometry.levelList[0]).length;
    const level0Seen = new Set();
    entry.level0 = new Promise((resolve) => {
      entry.cancelLevel0 = resolve;
      scene.layer().textureStore().addEventListener("textureLoad", (tile) => {
        entry.loaded.add(tile.z);
        if (entry === this.current) this.onEvent("level", { build: entry.build, level: tile.z });
        if (tile.z === 0) level0Seen.add(tileKey(tile));
        if (level0Seen.size === level0Tiles) resolve();
      });
    });
    return entry;
  }

  #dropPending() {
    const entry = this.pending;
    if (!entry) return;
    entry.dropped = true;
    entry.cancelLevel0();
    this.pending = null;
    this.viewer.destroyScene(entry.scene);
  }

  #switchTo(entry) {
    // One crossfade at a time: Marzipano leaves a cut-short fade half transparent.
    this.switching = this.switching.then(() => new Promise((resolve) => {
      if (entry.dropped || this.pending !== entry) return resolve(false);
      const previous = this.current;
      if (previous && entry.keepView) entry.scene.view().setParameters(previous.scene.view().parameters());
      this.pending = null;
      this.current = entry;
      this.sharpReported = false;
      this.onEvent("switch", { build: entry.build, first: !previous });
      this.viewer.switchScene(entry.scene, { transitionDuration: previous ? CROSSFADE_MS : 0 }, () => {
        if (previous) this.viewer.destroyScene(previous.scene);
        this.onEvent("faded", { build: entry.build });
        resolve(true);
      });
      // A camera move (towards a layer) still under way carries on in the new scene; only
      // after the switch, whose sceneChange stops any movement. (Frames may lag its clock.)
      const heading = this.heading;
      if (entry.keepView && heading && !heading.done) {
        const left = Math.max(heading.until - performance.now(), 120);
        heading.scene = entry.scene;
        entry.scene.lookTo(heading.target, { transitionDuration: left }, () => this.#headingOver(heading, entry.scene));
      }
    }));
    return this.switching;
  }

  // A move ends when done or interrupted (a drag) on the scene it runs on; the replaced
  // scene's move, stopped when that scene goes, does not count.
  #headingOver(heading, scene) {
    if (heading.scene === scene) heading.done = true;
  }

  #renderComplete(stable) {
    const entry = this.current;
    if (!entry || !stable || this.sharpReported) return;
    if (entry.source.levelsReady < entry.levels.length) return;
    this.sharpReported = true;
    this.onEvent("sharp", { build: entry.build });
  }
}
