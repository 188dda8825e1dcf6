"""``python -m renders.engine.compare``: the measurements behind the engine's library choices.

Pillow + NumPy against libvips (pyvips) for each step the engine does, on the benchmark's
synthetic images; prints ``name: value`` lines (median seconds of 5 runs, bytes).
"""

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyvips
from PIL import Image

from .composite import encode_jpeg
from .geometry import equirect_coords, face_directions
from .prepare import prepare_scene
from .synthetic import write_scene


def median_time(function, runs=5) -> float:
    function()  # warm-up: first calls pay for library initialisation
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def numpy_bilinear(source: np.ndarray, col: np.ndarray, row: np.ndarray) -> np.ndarray:
    height, width = source.shape[:2]
    x0, y0 = np.floor(col), np.floor(row)
    wx, wy = ((col - x0) * 256).astype(np.uint32), ((row - y0) * 256).astype(np.uint32)
    x0, y0 = x0.astype(np.int64) % width, np.clip(y0.astype(np.int64), 0, height - 1)
    x1, y1 = (x0 + 1) % width, np.clip(y0 + 1, 0, height - 1)
    out = np.empty((*col.shape, 3), dtype=np.uint8)
    for channel in range(3):
        plane = source[:, :, channel]
        acc = plane[y0, x0] * ((256 - wx) * (256 - wy))
        acc += plane[y0, x1] * (wx * (256 - wy))
        acc += plane[y1, x0] * ((256 - wx) * wy)
        acc += plane[y1, x1] * (wx * wy)
        out[:, :, channel] = (acc + 32768) >> 16
    return out


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="panoconfig-compare-") as tmp:
        scene = write_scene(Path(tmp), width=8192, options=1)
        path = str(scene.base.path)
        figures = {}
        figures["decode_8192_jpeg_pillow_s"] = median_time(
            lambda: np.asarray(Image.open(path).convert("RGB")), runs=3)
        figures["decode_8192_jpeg_vips_s"] = median_time(
            lambda: pyvips.Image.new_from_file(path, access="sequential").write_to_memory(), runs=3)

        source = np.asarray(Image.open(path).convert("RGB"))
        col, row = equirect_coords(*face_directions("f", 2048), 8192, 4096)
        figures["face_2048_numpy_bilinear_s"] = median_time(lambda: numpy_bilinear(source, col, row), runs=3)
        index = np.ascontiguousarray(np.stack([col + 1, row + 1], axis=-1))
        vips_index = pyvips.Image.new_from_memory(index.data, 2048, 2048, 2, "float")
        padded = (pyvips.Image.new_from_memory(source.data, 8192, 4096, 3, "uchar")
                  .embed(1, 0, 8194, 4096, extend="repeat").embed(0, 1, 8194, 4098, extend="copy"))
        figures["face_2048_vips_mapim_s"] = median_time(
            lambda: padded.mapim(vips_index, interpolate=pyvips.Interpolate.new("bilinear")).write_to_memory(),
            runs=3)

        face = numpy_bilinear(source, col, row)
        prepared = prepare_scene(scene, Path(tmp) / "prepared")
        chosen = prepared._chosen_options({key: "o0" for key in prepared.layer_keys})
        tiles = [np.array(prepared.tile_pixels(index, chosen)) for index in range(len(prepared.tiles()))]
        figures["encode_126_tiles_pillow_s"] = median_time(lambda: [encode_jpeg(t, quality=85) for t in tiles])
        figures["encode_126_tiles_pillow_optimize_s"] = median_time(lambda: [_pillow_optimized(t) for t in tiles])
        figures["encode_126_tiles_vips_s"] = median_time(lambda: [_vips_jpeg(t) for t in tiles])
        figures["encode_126_tiles_bytes_pillow"] = sum(len(encode_jpeg(t, quality=85)) for t in tiles)
        figures["encode_126_tiles_bytes_pillow_optimize"] = sum(len(_pillow_optimized(t)) for t in tiles)
        figures["encode_126_tiles_bytes_vips"] = sum(len(_vips_jpeg(t)) for t in tiles)

        figures["reduce_2x_face_2048_pillow_s"] = median_time(lambda: Image.fromarray(face).reduce(2))
        vips_face = pyvips.Image.new_from_memory(face.data, 2048, 2048, 3, "uchar")
        figures["reduce_2x_face_2048_vips_s"] = median_time(lambda: vips_face.shrink(2, 2).write_to_memory())
        figures["reduce_2x_face_2048_numpy_s"] = median_time(
            lambda: face.reshape(1024, 2, 1024, 2, 3).mean(axis=(1, 3)).round().astype(np.uint8))
    for name, value in figures.items():
        print(f"{name}: {round(value, 4) if isinstance(value, float) else value}")
    return 0


def _pillow_optimized(tile) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(tile).save(buffer, "JPEG", quality=85, subsampling=2, optimize=True)
    return buffer.getvalue()


def _vips_jpeg(tile) -> bytes:
    """pyvips' per-call path: wrap the array, encode to a buffer."""
    image = pyvips.Image.new_from_memory(tile.data, 512, 512, 3, "uchar")
    return image.jpegsave_buffer(Q=85, keep="none", subsample_mode="on", optimize_coding=False)


if __name__ == "__main__":
    sys.exit(main())
