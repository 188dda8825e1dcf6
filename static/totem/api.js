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

async function requestJson(url, { method = "GET", body, signal } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method,
      signal,
      credentials: "same-origin",
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
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

export function createApi(boot) {
  const renderUrl = (build) => `${boot.rendersUrl}/${encodeURIComponent(build)}`;
  return {
    config: (signal) => requestJson(boot.configUrl, { signal }),
    render: ({ scene, selection }, signal) =>
      requestJson(`${boot.rendersUrl}`, { method: "POST", body: { scene, selection }, signal }),
    status: (url, signal) => requestJson(url, { signal }),
    renderByBuild: (build, signal) => requestJson(renderUrl(build), { signal }),
    still: (build, signal) => requestJson(`${renderUrl(build)}/still`, { method: "POST", body: {}, signal }),
    qrUrl: (build) => `${renderUrl(build)}/qr.svg`,
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
