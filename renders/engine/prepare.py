"""Scene preparation: the per-scene work, done once and stored as memory-mappable arrays.

Stored under the prepared directory (file names never come from user text):
``manifest.json``; ``base.npy`` with every tile of every level, shape (T, 512, 512, 3) in
``PreparedScene.tiles()`` order; per layer ``mask_<i>.npy`` (n, 512, 512) holding only the
n tiles (any level) where that layer's resampled mask is non-zero, and ``option_<i>_<j>.npy``
(n, 512, 512, 3) with the option's pixels for those same tiles; optional still images.
A tile's mask at a level is the box reduction of the level above, so it is exactly what the
render composites with: a tile is "touched" iff a layer's mask is non-zero in it at that level.
"""

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from . import sources
from .geometry import level_sizes, top_face_size
from .reproject import EquirectSampler, pyramid, strip_faces
from .types import ENGINE_VERSION, FACES, TILE_SIZE, EngineInputError, SceneInput

MANIFEST = "manifest.json"
FORMAT = 1


def _libc_malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _libc_malloc_trim()


def _release_freed_memory() -> None:
    """Hands freed image buffers back to the OS (glibc keeps them per thread arena otherwise,
    and libvips' worker threads free hundreds of MB per decoded panorama)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def prepare_scene(scene: SceneInput, out_dir):
    from .scene import PreparedScene

    out_dir = Path(out_dir)
    size = _open_and_validate(scene)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        manifest = _build(scene, size, work_dir)
        (work_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        _replace_dir(work_dir, out_dir)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    return PreparedScene.load(out_dir)


def inputs_digest(scene: SceneInput) -> str:
    parts = {
        "engine": ENGINE_VERSION,
        "projection": scene.projection,
        "base": scene.base.digest,
        "layers": [
            [layer.key, layer.mask.digest,
             [[code, image.digest if image else None] for code, image in layer.options.items()]]
            for layer in scene.layers
        ],
        "still_base": scene.still_base.digest if scene.still_base else None,
        "still_options": sorted([list(key), image.digest] for key, image in scene.still_options.items()),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _open_and_validate(scene: SceneInput) -> tuple[int, int]:
    """Checks every input's header; returns the base size. Decodes nothing."""
    if scene.projection not in sources.ASPECTS:
        raise EngineInputError(f"unknown projection {scene.projection!r}")
    base = sources.open_image(scene.base, role="base")
    sources.check_aspect(base, projection=scene.projection, image=scene.base, role="base")
    size = (base.width, base.height)
    seen = set()
    for layer in scene.layers:
        if not layer.key or layer.key in seen:
            raise EngineInputError(f"layer {layer.key!r}: layer keys must be unique and non-empty")
        seen.add(layer.key)
        if not layer.options:
            raise EngineInputError(f"layer {layer.key!r}: has no options")
        role = f"layer {layer.key!r} mask"
        sources.check_same_size(sources.open_image(layer.mask, role=role), expected=size,
                                image=layer.mask, role=role)
        for code, image in layer.options.items():
            if image is not None:
                role = f"layer {layer.key!r} option {code!r}"
                sources.check_same_size(sources.open_image(image, role=role), expected=size,
                                        image=image, role=role)
    if scene.still_base is not None:
        sources.open_image(scene.still_base, role="still base")
    known = {(layer.key, code) for layer in scene.layers for code in layer.options}
    for (layer_key, code), image in scene.still_options.items():
        role = f"layer {layer_key!r} option {code!r} still"
        if (layer_key, code) not in known:
            raise EngineInputError(f"{role}: no such layer option")
        sources.open_image(image, role=role)
    return size


class _FaceSource:
    """Top-level cube faces (or single tiles of them) of one input image, decoded once.

    ``polar``: whether the up/down faces will be sampled (they need reduced copies).
    """

    def __init__(self, *, projection, face_size, sampler, grey, image, role, polar=True):
        vips_image = sources.open_image(image, role=role, sequential=True)
        converted = sources.as_grey(vips_image) if grey else sources.as_rgb(vips_image)
        self._sampler = sampler
        if projection == "equirect":
            padded = sources.load_pixels(sampler.wrap(converted), image=image, role=role)
            self._padded = sampler.stack(padded) if polar else padded
            self._faces = None
        else:
            strip = sources.decode(sources.load_pixels(converted, image=image, role=role),
                                   image=image, role=role)
            self._faces = strip_faces(strip, face_size)

    def face(self, face: str) -> np.ndarray:
        if self._faces is not None:
            return self._faces[face]
        return self._sampler.face(self._padded, face)

    def tile(self, face: str, x: int, y: int) -> np.ndarray:
        if self._faces is not None:
            return self._faces[face][y * TILE_SIZE:(y + 1) * TILE_SIZE, x * TILE_SIZE:(x + 1) * TILE_SIZE]
        return self._sampler.tile(self._padded, face, x, y)


def _tile_index(sizes: list[int]) -> dict[tuple[str, int, int, int], int]:
    index = {}
    for level, size in enumerate(sizes):
        per_side = size // TILE_SIZE
        for face in FACES:
            for y in range(per_side):
                for x in range(per_side):
                    index[(face, level, x, y)] = len(index)
    return index


def _build(scene: SceneInput, size: tuple[int, int], work_dir: Path) -> dict:
    width, height = size
    natural = width // 4 if scene.projection == "equirect" else height
    sizes = level_sizes(top_face_size(natural))
    tile_index = _tile_index(sizes)
    sampler = EquirectSampler(width, height, sizes[-1]) if scene.projection == "equirect" else None
    _release_freed_memory()

    def face_source(*, grey, image, role, polar=True):
        return _FaceSource(projection=scene.projection, face_size=sizes[-1], sampler=sampler,
                           grey=grey, image=image, role=role, polar=polar)

    _write_base(work_dir, face_source(grey=False, image=scene.base, role="base"), sizes, tile_index)
    _release_freed_memory()
    layers = [_write_layer(work_dir, number, layer, face_source, sizes, tile_index)
              for number, layer in enumerate(scene.layers)]
    return {
        "format": FORMAT,
        "engine_version": ENGINE_VERSION,
        "inputs_digest": inputs_digest(scene),
        "projection": scene.projection,
        "source_size": [width, height],
        "levels": [[TILE_SIZE, size, False] for size in sizes],
        "base_digest": scene.base.digest,
        "layers": layers,
        "still": _copy_stills(scene, work_dir),
    }


def _write_base(work_dir: Path, source: "_FaceSource", sizes, tile_index) -> None:
    base_tiles = np.lib.format.open_memmap(work_dir / "base.npy", mode="w+", dtype=np.uint8,
                                           shape=(len(tile_index), TILE_SIZE, TILE_SIZE, 3))
    for face in FACES:
        for level, array in enumerate(pyramid(source.face(face), sizes)):
            for (x, y), tile in _cut(array):
                base_tiles[tile_index[(face, level, x, y)]] = tile
    base_tiles.flush()


def _write_layer(work_dir: Path, number: int, layer, face_source, sizes, tile_index) -> dict:
    """Stores the layer's touched mask tiles and its options' pixels there; its manifest entry."""
    mask_source = face_source(grey=True, image=layer.mask, role=f"layer {layer.key!r} mask")
    touched = sorted(_touched_mask_tiles(mask_source, sizes, tile_index), key=lambda item: item[0])
    del mask_source
    _release_freed_memory()
    mask_file = f"mask_{number}.npy" if touched else None
    if touched:
        _save_stack(work_dir / mask_file, [tile for _, _, tile, _ in touched], (TILE_SIZE, TILE_SIZE))
    polar = any(coord[0] in ("u", "d") for _, coord, _, _ in touched)
    options = []
    for option_number, (code, image) in enumerate(layer.options.items()):
        option_file = None
        if image is not None and touched:
            option_file = f"option_{number}_{option_number}.npy"
            source = face_source(grey=False, image=image, role=f"layer {layer.key!r} option {code!r}",
                                 polar=polar)
            _save_option_tiles(work_dir / option_file, source, touched, sizes)
            del source
            _release_freed_memory()
        options.append({"code": code, "digest": image.digest if image else None, "file": option_file})
    return {
        "key": layer.key,
        "mask_digest": layer.mask.digest,
        "mask_file": mask_file,
        "tiles": [index for index, _, _, _ in touched],
        "bboxes": [bbox for _, _, _, bbox in touched],
        "covered": [bool((tile == 255).all()) for _, _, tile, _ in touched],
        "options": options,
    }


def _cut(face_array: np.ndarray):
    per_side = face_array.shape[0] // TILE_SIZE
    for y in range(per_side):
        for x in range(per_side):
            yield (x, y), face_array[y * TILE_SIZE:(y + 1) * TILE_SIZE, x * TILE_SIZE:(x + 1) * TILE_SIZE]


def _touched_mask_tiles(mask_source: _FaceSource, sizes, tile_index):
    """[(tile index, (face, level, x, y), mask tile, bbox)] for tiles where the mask is non-zero."""
    touched = []
    for face in FACES:
        for level, array in enumerate(pyramid(mask_source.face(face), sizes)):
            for (x, y), tile in _cut(array[:, :, 0]):
                rows = np.flatnonzero(tile.any(axis=1))
                if rows.size == 0:
                    continue
                cols = np.flatnonzero(tile.any(axis=0))
                bbox = [int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1]
                touched.append((tile_index[(face, level, x, y)], (face, level, x, y), tile.copy(), bbox))
    return touched


def _save_option_tiles(path: Path, option_source: _FaceSource, touched, sizes) -> None:
    """Option pixels for the layer's touched tiles only.

    Every touched lower-level tile lies over touched top-level tiles wherever its mask is
    non-zero (a box reduction of zeros is zero), so only top-level tiles the mask touches are
    resampled; the rest of the face stays black and is never blended in (mask 0 there).
    (When most of a face is touched the whole face is resampled instead: same result where
    the mask is non-zero, which is all a render reads.)
    """
    top_level = len(sizes) - 1
    stack = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8,
                                      shape=(len(touched), TILE_SIZE, TILE_SIZE, 3))
    faces_needed = sorted({coord[0] for _, coord, _, _ in touched})
    tiles_per_face = (sizes[-1] // TILE_SIZE) ** 2
    for face in faces_needed:
        top_tiles = [(x, y) for _, (tile_face, level, x, y), _, _ in touched
                     if tile_face == face and level == top_level]
        if 4 * len(top_tiles) >= tiles_per_face:
            # one whole-face resampling costs less than many tiles (measured: 16 tiles of u
            # take 2-3x the whole face, as libvips prepares a wide source area per call)
            top = np.array(option_source.face(face))
        else:
            top = np.zeros((sizes[-1], sizes[-1], 3), dtype=np.uint8)
            for x, y in top_tiles:
                top[y * TILE_SIZE:(y + 1) * TILE_SIZE, x * TILE_SIZE:(x + 1) * TILE_SIZE] = \
                    option_source.tile(face, x, y)
        levels = pyramid(top, sizes)
        for slot, (_, (tile_face, level, x, y), _, _) in enumerate(touched):
            if tile_face == face:
                stack[slot] = levels[level][y * TILE_SIZE:(y + 1) * TILE_SIZE, x * TILE_SIZE:(x + 1) * TILE_SIZE]
    stack.flush()


def _save_stack(path: Path, tiles: list, shape: tuple) -> None:
    stack = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(len(tiles), *shape))
    for slot, tile in enumerate(tiles):
        stack[slot] = tile
    stack.flush()


def _copy_stills(scene: SceneInput, work_dir: Path) -> dict:
    still = {"base": None, "options": []}
    if scene.still_base is not None:
        shutil.copyfile(scene.still_base.path, work_dir / "still_base.img")
        still["base"] = {"file": "still_base.img", "digest": scene.still_base.digest}
    for number, ((layer_key, code), image) in enumerate(sorted(scene.still_options.items())):
        name = f"still_option_{number}.img"
        shutil.copyfile(image.path, work_dir / name)
        still["options"].append({"layer": layer_key, "option": code, "file": name, "digest": image.digest})
    return still


def _replace_dir(work_dir: Path, out_dir: Path, attempts: int = 3) -> None:
    """Puts work_dir in out_dir's place; a concurrent preparation of the same scene may have
    put its own there meanwhile (rename cannot replace a non-empty directory), so retry."""
    for attempt in range(attempts):
        old = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            try:
                os.replace(out_dir, old / "prepared")
            except FileNotFoundError:
                pass  # another preparation moved it first
        try:
            os.replace(work_dir, out_dir)
            return
        except OSError:
            if attempt == attempts - 1:
                raise
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
