"""Equirectangular and strip sources resampled to cube faces, and the level pyramid."""

import numpy as np
import pyvips
from PIL import Image

from .geometry import equirect_coords, face_directions, strip_to_faces
from .types import FACES, TILE_SIZE


class EquirectSampler:
    """Equirect → cube-face sampling, antialiased where the equirect is denser than the face.

    Towards the poles one face pixel spans many equirect columns, and plain bilinear sampling
    would alias there (floors and ceilings). So the source is also kept in horizontally
    box-reduced copies (widths W/2, W/4, …, side by side right of the full image: a "stack"), and
    each face pixel blends bilinear samples from the two copies around its horizontal footprint
    (trilinear, like a mipmap). The index maps and blend weights depend only on the image size,
    so they are computed once per scene.
    """

    def __init__(self, width: int, height: int, face_size: int):
        self.width, self.height, self.face_size = width, height, face_size
        self.mip_widths = [width]
        while self.mip_widths[-1] >= 16 and len(self.mip_widths) < 12:
            self.mip_widths.append(self.mip_widths[-1] // 2)  # what vips shrinkh(2) gives
        self.mip_offsets = [0]
        for mip_width in self.mip_widths[1:-1]:
            self.mip_offsets.append(self.mip_offsets[-1] + mip_width + 2)
        self._maps = {face: self._face_maps(face) for face in FACES}

    def _face_maps(self, face: str):
        col, row = equirect_coords(*face_directions(face, self.face_size), self.width, self.height)
        if face not in ("u", "d"):
            # side faces span at most 1.27 columns per pixel (their corners): bilinear is enough
            return self._index(col, row, np.zeros(col.shape, dtype=np.int64)), None, None
        lod = np.log2(np.maximum(_column_footprint(col, self.width), 1))
        lod = np.minimum(lod, np.float32(len(self.mip_widths) - 1))
        lower = lod.astype(np.int64)
        weight = np.round((lod - lower) * 256).astype(np.uint16)
        first = self._index(col, row, lower)
        if not weight.any():
            return first, None, None
        upper = np.minimum(lower + 1, len(self.mip_widths) - 1)
        return first, self._index(col, row, upper), weight[:, :, None]

    def _index(self, col, row, mip):
        """vips index image (+ the array it wraps) of (col, row) in copy ``mip`` of the stack."""
        scale = (np.asarray(self.mip_widths, dtype=np.float32) / self.width)[mip]
        x_offset = np.asarray([1, *(self.width + 3 + offset for offset in self.mip_offsets)],
                              dtype=np.float32)[mip]
        index = np.empty((*col.shape, 2), dtype=np.float32)
        # copy 0 has scale 1: (col + 0.5)·1 − 0.5 = col
        index[:, :, 0] = (col + np.float32(0.5)) * scale - np.float32(0.5) + x_offset
        index[:, :, 1] = row + np.float32(1)
        return index, pyvips.Image.new_from_memory(index.data, index.shape[1], index.shape[0], 2, "float")

    def wrap(self, source: pyvips.Image) -> pyvips.Image:
        """Lazily padded source: yaw wraps around (one repeated column each side), poles clamp."""
        return _wrap_and_clamp(source, self.width, self.height)

    def stack(self, plain: pyvips.Image) -> pyvips.Image:
        """In memory: the padded source, then its reduced copies, side by side in one row.

        Side by side rather than stacked: a face region then reads the same rows of every copy,
        which keeps the source area libvips prepares per region small (measured 4x faster on d).
        """
        reduced = plain.crop(1, 1, self.width, self.height)
        copies = []
        for mip_width in self.mip_widths[1:]:
            reduced = reduced.shrinkh(2).copy_memory()  # embed(repeat) of a lazy shrinkh is wrong (vips 8.18)
            assert reduced.width == mip_width
            copies.append(_wrap_and_clamp(reduced, mip_width, self.height))
        stack = plain
        for copy in copies:
            stack = stack.join(copy, "horizontal")
        return stack.copy_memory()

    def face(self, padded: pyvips.Image, face: str) -> np.ndarray:
        """``padded``: wrap() in memory, or stack() when needs_reduced_copies(face)."""
        return self._sample(padded, face, None)

    def tile(self, padded: pyvips.Image, face: str, x: int, y: int) -> np.ndarray:
        return self._sample(padded, face, (x * TILE_SIZE, y * TILE_SIZE))

    def needs_reduced_copies(self, face: str) -> bool:
        return self._maps[face][1] is not None

    def _sample(self, padded, face, corner):
        first, second, weight = self._maps[face]
        if second is not None and padded.width == self.width + 2:
            raise ValueError(f"face {face!r} needs the reduced copies: sample from stack()")

        def sample(index):
            image = index[1]
            if corner is not None:
                image = image.crop(corner[0], corner[1], TILE_SIZE, TILE_SIZE)
            return _to_array(padded.mapim(image, interpolate=_bilinear()))

        near = sample(first)
        if second is None:
            return near
        if corner is not None:
            weight = weight[corner[1]:corner[1] + TILE_SIZE, corner[0]:corner[0] + TILE_SIZE]
        far = sample(second)
        blended = near.astype(np.uint16) * (256 - weight)
        blended += far.astype(np.uint16) * weight
        blended += 128
        blended >>= 8
        return blended.astype(np.uint8)


def _column_footprint(col: np.ndarray, width: int) -> np.ndarray:
    """Equirect columns covered by each face pixel (the larger of its two directions)."""
    def wrapped_step(axis):
        step = np.abs(np.diff(col, axis=axis))
        np.minimum(step, width - step, out=step)  # across the ±180° seam
        return np.concatenate([step, np.take(step, [-1], axis=axis)], axis=axis)

    return np.maximum(wrapped_step(0), wrapped_step(1))


def _wrap_and_clamp(image: pyvips.Image, width: int, height: int) -> pyvips.Image:
    wrapped = image.embed(1, 0, width + 2, height, extend="repeat")
    return wrapped.embed(0, 1, width + 2, height + 2, extend="copy")


def strip_faces(strip: np.ndarray, face_size: int) -> dict[str, np.ndarray]:
    """Faces of a legacy strip, resized (antialiased) when the rounded level size differs."""
    faces = strip_to_faces(strip)
    if strip.shape[0] != face_size:
        faces = {name: resize(face, face_size) for name, face in faces.items()}
    return {name: np.ascontiguousarray(face) for name, face in faces.items()}


def resize(face: np.ndarray, size: int) -> np.ndarray:
    image = _pil(face).resize((size, size), Image.Resampling.BILINEAR)
    return _from_pil(image, face)


def reduce(face: np.ndarray, factor: int) -> np.ndarray:
    """Box-filter reduction by an integer factor (antialiased)."""
    if factor == 1:
        return face
    return _from_pil(_pil(face).reduce(factor), face)


def pyramid(top: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Face arrays for each level size (ascending), each reduced from the level above."""
    faces = [top]
    for upper, lower in zip(reversed(sizes[1:]), reversed(sizes[:-1])):
        faces.append(reduce(faces[-1], upper // lower))
    return faces[::-1]


def _pil(array: np.ndarray) -> Image.Image:
    return Image.fromarray(array[:, :, 0] if array.ndim == 3 and array.shape[2] == 1 else array)


def _from_pil(image: Image.Image, like: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    return array.reshape(array.shape[0], array.shape[1], *like.shape[2:])


def _bilinear():
    return pyvips.Interpolate.new("bilinear")


def _to_array(vips_image: pyvips.Image) -> np.ndarray:
    return np.ndarray(buffer=vips_image.write_to_memory(), dtype=np.uint8,
                      shape=(vips_image.height, vips_image.width, vips_image.bands))
