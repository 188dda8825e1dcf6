// The tenant's published catalog (GET …/config) in the one shape the page uses.
const first = (...values) => values.find((value) => value !== undefined && value !== null);
const DEG = Math.PI / 180;

function angle(value, fallback) {
  const number = Number(value);
  return Number.isFinite(number) ? number * DEG : fallback;
}

function normalizeOption(raw) {
  return {
    code: String(first(raw.code, raw.slug, raw.id)),
    name: String(first(raw.name, raw.label, raw.material?.name, raw.code, "")),
    thumbnail: first(raw.thumbnail_url, raw.thumbnail, raw.material?.thumbnail_url, ""),
  };
}

function normalizeLayer(raw) {
  const options = (raw.options || raw.items || []).map(normalizeOption);
  const poi = raw.poi || raw.point_of_interest || {};
  const defaultCode = first(raw.default_option?.code, raw.default_option, raw.default, options.find((o, i) => raw.options?.[i]?.is_default)?.code, options[0]?.code);
  const yaw = first(poi.yaw, raw.poi_yaw);
  const pitch = first(poi.pitch, raw.poi_pitch);
  return {
    slug: String(first(raw.slug, raw.key, raw.id)),
    name: String(first(raw.name, raw.label, raw.slug, "")),
    options,
    defaultOption: defaultCode === undefined ? undefined : String(defaultCode),
    poi: yaw === undefined || yaw === null ? null : { yaw: angle(yaw, 0), pitch: angle(pitch, 0) },
  };
}

function normalizeScene(raw) {
  const view = raw.default_view || raw.view || {};
  return {
    slug: String(first(raw.slug, raw.id)),
    name: String(first(raw.name, raw.label, raw.slug, "")),
    layers: (raw.layers || []).map(normalizeLayer),
    defaultView: {
      yaw: angle(first(view.yaw, raw.default_yaw), 0),
      pitch: angle(first(view.pitch, raw.default_pitch), 0),
      fov: angle(first(view.fov, raw.default_fov), 90 * DEG),
    },
  };
}

export function normalizeConfig(raw) {
  const scenes = (raw.scenes || []).map(normalizeScene).filter((scene) => scene.layers.length >= 0);
  return { scenes, sceneBySlug: new Map(scenes.map((scene) => [scene.slug, scene])) };
}

export function defaultSelection(scene) {
  return Object.fromEntries(scene.layers.map((layer) => [layer.slug, layer.defaultOption]));
}

// The selection a render answer describes, when the service tells it; else null.
export function selectionFrom(render, scene) {
  const raw = render?.selection;
  if (!raw || typeof raw !== "object") return null;
  const selection = defaultSelection(scene);
  for (const layer of scene.layers) {
    const code = raw[layer.slug];
    if (code !== undefined && layer.options.some((option) => option.code === String(code))) {
      selection[layer.slug] = String(code);
    }
  }
  return selection;
}
