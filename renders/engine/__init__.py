"""Render engine: panoramas in, content-addressed multi-resolution cube tiles out.

Pure image work (NumPy, Pillow, libvips through pyvips); no Django, storage or network.
The contract with the render service is docs/ENGINE.md; conventions (yaw,
pitch, faces, legacy strips, levels) are documented in ``geometry``.
"""

from .prepare import prepare_scene
from .scene import PreparedScene
from .types import (
    ENGINE_VERSION,
    EngineInputError,
    ImageInput,
    LayerInput,
    Level,
    SceneInput,
    Selection,
    TileCoord,
)

__all__ = [
    "ENGINE_VERSION",
    "EngineInputError",
    "ImageInput",
    "LayerInput",
    "Level",
    "PreparedScene",
    "SceneInput",
    "Selection",
    "TileCoord",
    "prepare_scene",
]
