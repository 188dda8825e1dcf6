// Kiosk behaviour: idle reset with a "still there?" notice, full screen, no page zoom or
// selection on the chrome.

const ACTIVITY = ["pointerdown", "keydown", "wheel", "touchstart"];

// Calls onNotice(secondsLeft) when the idle time is up, onTick each second of the notice,
// then onReset(); any touch during the notice cancels it (onActive). After a reset it waits
// for the next touch: an unattended totem rests in its default state (turning by itself),
// it does not ask "still there?" again every cycle.
export class IdleWatch {
  constructor({ idleSeconds, onNotice, onTick, onReset, onActive }) {
    this.idleMs = Math.max(1, idleSeconds) * 1000;
    this.noticeSeconds = Math.round(Math.min(10, Math.max(3, idleSeconds / 4)));
    Object.assign(this, { onNotice, onTick, onReset, onActive });
    this.timer = null;
    this.noticing = false;
    const poke = () => this.poke();
    for (const type of ACTIVITY) window.addEventListener(type, poke, { capture: true, passive: true });
    this.arm();
  }

  poke() {
    if (this.noticing) {
      this.noticing = false;
      this.onActive();
    }
    this.arm();
  }

  arm() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#notice(this.noticeSeconds), this.idleMs);
  }

  #notice(left) {
    if (!this.noticing) {
      this.noticing = true;
      this.onNotice(left);
    } else {
      this.onTick(left);
    }
    if (left <= 0) {
      this.noticing = false;
      this.timer = null;
      this.onReset();
      return;
    }
    this.timer = setTimeout(() => this.#notice(left - 1), 1000);
  }
}

export function lockChrome(root = document) {
  root.addEventListener("contextmenu", (event) => event.preventDefault());
  // Safari's pinch on the page, and ctrl+wheel zoom on desktops; the panorama zooms itself.
  root.addEventListener("gesturestart", (event) => event.preventDefault());
  window.addEventListener("wheel", (event) => {
    if (event.ctrlKey) event.preventDefault();
  }, { passive: false });
  root.addEventListener("dblclick", (event) => event.preventDefault());
}

export function setupFullscreen(buttonElement) {
  if (!document.fullscreenEnabled) {
    buttonElement.hidden = true;
    return;
  }
  buttonElement.addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
  document.addEventListener("fullscreenchange", () => {
    buttonElement.setAttribute("aria-pressed", String(Boolean(document.fullscreenElement)));
  });
}
