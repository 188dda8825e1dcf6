"""Equirectangular and strip sources resampled to cube faces, and the level pyramid."""

import numpy as np
import pyvips
from PIL import Image

from .geometry import equirect_coords, face_directions, strip_to_faces
from .types import FACES, TILE_SIZE


class EquirectSampler:
    """Bilinear equirect → cube-face sampling with the index maps computed once per scene size."""

    def __init__(self, width: int, height: int, face_size: int):
        self.width, self.height, self.face_size = width, height, face_size
        self._maps = {}
        for face in FACES:
            col, row = equirect_coords(*face_directions(face, face_size), width, height)
            # +1: the padded source below has one extra column/row on each side.
            index = np.ascontiguousarray(np.stack([col + 1, row + 1], axis=-1), dtype=np.float32)
            self._maps[face] = (index, pyvips.Image.new_from_memory(
                index.data, face_size, face_size, 2, "float"))

    def pad(self, source: pyvips.Image) -> pyvips.Image:
        """Wraps yaw around (left/right columns repeat) and clamps at the poles."""
        wrapped = source.embed(1, 0, self.width + 2, self.height, extend="repeat")
        return wrapped.embed(0, 1, self.width + 2, self.height + 2, extend="copy")

    def face(self, padded: pyvips.Image, face: str) -> np.ndarray:
        return _to_array(padded.mapim(self._maps[face][1], interpolate=_bilinear()))

    def tile(self, padded: pyvips.Image, face: str, x: int, y: int) -> np.ndarray:
        index = self._maps[face][1].crop(x * TILE_SIZE, y * TILE_SIZE, TILE_SIZE, TILE_SIZE)
        return _to_array(padded.mapim(index, interpolate=_bilinear()))


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
