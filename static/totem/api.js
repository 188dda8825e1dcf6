// Talking to the render API (DESIGN.md): JSON in, JSON out, typed errors the UI can word humanely.

export class RateLimited extends Error {
  constructor(retryAfterSeconds) {
    super("rate limited");
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class ApiFailure extends Error {
  constructor(status, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
  }
}

export function isAbort(error) {
  return error?.name === "AbortError";
}

function retryAfterSeconds(response) {
  const header = response.headers.get("Retry-After");
  const seconds = Number.parseInt(header ?? "", 10);
  if (Number.isFinite(seconds)) return Math.min(Math.max(seconds, 1), 60);
  const date = Date.parse(header ?? "");
  if (Number.isFinite(date)) return Math.min(Math.max((date - Date.now()) / 1000, 1), 60);
  return 2;
}

// A tenant may require an API key of its kiosks: set once by opening the totem at
// `/t/<tenant>/#key=<key>`, kept in this browser's storage, sent with every API call.
export function kioskKey(tenant) {
  const name = `panoconfig.key.${tenant}`;
  const fromFragment = new URLSearchParams(window.location.hash.slice(1)).get("key");
  try {
    if (fromFragment) window.localStorage.setItem(name, fromFragment);
    return fromFragment || window.localStorage.getItem(name) || "";
  } catch {
    return fromFragment || ""; // storage disabled: the key lives as long as the page
  }
}

async function requestJson(url, { method = "GET", body, signal, key } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["X-Api-Key"] = key;
  let response;
  try {
    response = await fetch(url, {
      method,
      signal,
      credentials: "same-origin",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiFailure(0, "network");
  }
  if (response.status === 429) throw new RateLimited(retryAfterSeconds(response));
  if (!response.ok) throw new ApiFailure(response.status);
  try {
    return await response.json();
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiFailure(response.status, "bad json");
  }
}

export function createApi(boot, key = "") {
  const renderUrl = (build) => `${boot.rendersUrl}/${encodeURIComponent(build)}`;
  const call = (url, options = {}) => requestJson(url, { ...options, key });
  return {
    config: (signal) => call(boot.configUrl, { signal }),
    render: ({ scene, selection }, signal) => call(boot.rendersUrl, { method: "POST", body: { scene, selection }, signal }),
    status: (url, signal) => call(url, { signal }),
    renderByBuild: (build, signal) => call(renderUrl(build), { signal }),
    still: (build, signal) => call(`${renderUrl(build)}/still`, { method: "POST", body: {}, signal }),
    // An <img> cannot send the key: with one, the QR code comes through fetch as a blob.
    qrImage: async (build) => {
      const url = `${renderUrl(build)}/qr.svg`;
      if (!key) return url;
      const response = await fetch(url, { headers: { "X-Api-Key": key } });
      if (!response.ok) throw new ApiFailure(response.status);
      return URL.createObjectURL(await response.blob());
    },
  };
}

export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    }, { once: true });
  });
}
