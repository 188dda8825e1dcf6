"""The engine's public value types (see docs/ENGINE.md)."""

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

# Part of every tile key: bump whenever the pixels produced for the same inputs change.
ENGINE_VERSION = "1"

FACES = ("f", "b", "l", "r", "u", "d")
TILE_SIZE = 512


class EngineInputError(ValueError):
    """An input image or selection the engine cannot use; the message names the file or layer."""


@dataclass(frozen=True)
class ImageInput:
    path: str | os.PathLike
    digest: str


@dataclass(frozen=True)
class LayerInput:
    key: str
    mask: ImageInput
    options: Mapping[str, ImageInput | None]


@dataclass(frozen=True)
class SceneInput:
    projection: Literal["equirect", "strip"]
    base: ImageInput
    layers: Sequence[LayerInput]
    still_base: ImageInput | None = None
    still_options: Mapping[tuple[str, str], ImageInput] = field(default_factory=dict)


Selection = Mapping[str, str]


class TileCoord(NamedTuple):
    face: str
    level: int
    x: int
    y: int

    def path(self) -> str:
        return f"{self.face}/{self.level}/{self.x}/{self.y}"


class Level(NamedTuple):
    tile_size: int
    size: int
    fallback_only: bool = False

    @property
    def tiles_per_side(self) -> int:
        return -(-self.size // self.tile_size)

    def to_marzipano(self) -> dict:
        data = {"tileSize": self.tile_size, "size": self.size}
        if self.fallback_only:
            data["fallbackOnly"] = True
        return data
