"""A prepared scene: tile keys and per-combination rendering from memory-mapped arrays."""

import hashlib
import json
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np

from .composite import blend_into, encode_jpeg
from .prepare import FORMAT, MANIFEST
from .types import ENGINE_VERSION, FACES, EngineInputError, Level, Selection, TileCoord

DEFAULT_QUALITY = 85


class PreparedScene:
    def __init__(self, directory: Path, manifest: dict):
        self.directory = directory
        self.manifest = manifest
        self.inputs_digest: str = manifest["inputs_digest"]
        self.projection: str = manifest["projection"]
        self.levels: list[Level] = [Level(*level) for level in manifest["levels"]]
        self.layer_keys: list[str] = [layer["key"] for layer in manifest["layers"]]
        self.option_codes: dict[str, list[str]] = {
            layer["key"]: [option["code"] for option in layer["options"]] for layer in manifest["layers"]
        }
        self._tiles = [
            TileCoord(face, level_number, x, y)
            for level_number, level in enumerate(self.levels)
            for face in FACES
            for y in range(level.tiles_per_side)
            for x in range(level.tiles_per_side)
        ]
        self._base = np.load(directory / "base.npy", mmap_mode="r")
        self._layers = [_LayerData(directory, layer) for layer in manifest["layers"]]
        # tile index -> [(layer number, slot)] in build order
        self._touching = [[] for _ in self._tiles]
        for layer_number, layer in enumerate(self._layers):
            for slot, tile_index in enumerate(layer.tiles):
                self._touching[tile_index].append((layer_number, slot))

    @classmethod
    def load(cls, out_dir) -> "PreparedScene":
        directory = Path(out_dir)
        try:
            manifest = json.loads((directory / MANIFEST).read_text())
        except (OSError, ValueError) as error:
            raise EngineInputError(f"not a prepared scene directory: {directory.name!r} ({error})") from None
        if manifest.get("format") != FORMAT or manifest.get("engine_version") != ENGINE_VERSION:
            raise EngineInputError(f"prepared scene {directory.name!r} was made by another engine version")
        return cls(directory, manifest)

    def tiles(self) -> list[TileCoord]:
        return list(self._tiles)

    def tile_keys(self, selection: Selection, *, quality: int = DEFAULT_QUALITY) -> dict[TileCoord, str]:
        chosen = self._chosen_options(selection)
        base = f"{ENGINE_VERSION}|{self.projection}|q{quality}|{self.manifest['base_digest']}|"
        keys = {}
        for tile_index, coord in enumerate(self._tiles):
            parts = [base, coord.path()]
            for layer_number, _ in self._touching[tile_index]:
                layer = self._layers[layer_number]
                parts.append(f"|{layer.mask_digest}:{layer.digests[chosen[layer_number]] or 'none'}")
            keys[coord] = hashlib.sha256("".join(parts).encode()).hexdigest()[:40]
        return keys

    def render(self, selection: Selection, *, skip_keys: Collection[str] = (),
               quality: int = DEFAULT_QUALITY) -> Iterator[tuple[TileCoord, str, bytes]]:
        chosen = self._chosen_options(selection)
        keys = self.tile_keys(selection, quality=quality)
        skip = skip_keys if isinstance(skip_keys, (set, frozenset, dict)) else set(skip_keys)
        for tile_index, coord in enumerate(self._tiles):
            key = keys[coord]
            if key in skip:
                continue
            yield coord, key, encode_jpeg(self.tile_pixels(tile_index, chosen), quality=quality)

    def tile_pixels(self, tile_index: int, chosen: list[int]) -> np.ndarray:
        """The composited (512, 512, 3) pixels of one tile; ``chosen`` from _chosen_options."""
        out = None
        for layer_number, slot in self._touching[tile_index]:
            layer = self._layers[layer_number]
            option = layer.option_tiles(chosen[layer_number])
            if option is None:
                continue
            if layer.covered[slot]:  # the option hides everything below it
                out = np.array(option[slot])
                continue
            if out is None:
                out = np.array(self._base[tile_index])
            y0, y1, x0, x1 = layer.bboxes[slot]
            blend_into(out[y0:y1, x0:x1], option[slot, y0:y1, x0:x1], layer.masks[slot, y0:y1, x0:x1])
        return self._base[tile_index] if out is None else out

    def composed_faces(self, selection: Selection, level: int) -> dict[str, np.ndarray]:
        """Whole composited faces of one level (used by previews and stills)."""
        chosen = self._chosen_options(selection)
        size = self.levels[level].size
        tile_size = self.levels[level].tile_size
        faces = {face: np.empty((size, size, 3), dtype=np.uint8) for face in FACES}
        for tile_index, coord in enumerate(self._tiles):
            if coord.level == level:
                faces[coord.face][coord.y * tile_size:(coord.y + 1) * tile_size,
                                  coord.x * tile_size:(coord.x + 1) * tile_size] = \
                    self.tile_pixels(tile_index, chosen)
        return faces

    def render_preview(self, selection: Selection, *, width: int = 1024,
                       quality: int = DEFAULT_QUALITY) -> bytes:
        from .still import equirect_preview

        return encode_jpeg(equirect_preview(self, selection, width=width), quality=quality)

    def render_still(self, selection: Selection, *, yaw: float, pitch: float, fov: float,
                     width: int = 1920, height: int = 1080, quality: int = DEFAULT_QUALITY) -> bytes:
        from .still import still_pixels

        pixels = still_pixels(self, selection, yaw=yaw, pitch=pitch, fov=fov, width=width, height=height)
        return encode_jpeg(pixels, quality=quality)

    def _chosen_options(self, selection: Selection) -> list[int]:
        """Option number per layer (build order); errors name the layer or option."""
        unknown = sorted(set(selection) - set(self.layer_keys))
        if unknown:
            raise EngineInputError(f"unknown layer {unknown[0]!r} in selection")
        chosen = []
        for key in self.layer_keys:
            if key not in selection:
                raise EngineInputError(f"selection does not name layer {key!r}")
            codes = self.option_codes[key]
            if selection[key] not in codes:
                raise EngineInputError(f"layer {key!r} has no option {selection[key]!r}")
            chosen.append(codes.index(selection[key]))
        return chosen


class _LayerData:
    def __init__(self, directory: Path, layer: dict):
        self.directory = directory
        self.mask_digest = layer["mask_digest"]
        self.tiles = layer["tiles"]
        self.bboxes = layer["bboxes"]
        self.covered = layer["covered"]
        self.digests = [option["digest"] for option in layer["options"]]
        self._files = [option["file"] for option in layer["options"]]
        self._option_arrays = {}
        self.masks = (np.load(directory / layer["mask_file"], mmap_mode="r") if layer["mask_file"]
                      else np.zeros((0, 0, 0), dtype=np.uint8))

    def option_tiles(self, option_number: int):
        name = self._files[option_number]
        if name is None:
            return None  # no image (keep the base), or the mask touches no tile
        if option_number not in self._option_arrays:
            self._option_arrays[option_number] = np.load(self.directory / name, mmap_mode="r")
        return self._option_arrays[option_number]
