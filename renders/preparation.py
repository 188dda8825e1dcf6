"""Scene preparation: the engine's expensive per-scene work, kept on each machine's disk.

Prepared data lives under PANOCONFIG_PREPARED_DIR/<scene pk>/<inputs digest>/. The
source images are copied from the default storage (remote in production) to a
temporary folder first. A machine whose disk lacks the folder prepares again on
demand; a per-scene file lock keeps two workers of one machine from doing it twice.
"""

import fcntl
import hashlib
import logging
import shutil
import tempfile
import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.utils import timezone

from catalog.models import PreparationStatus, Scene
from catalog.validation import inspect_image
from renders.combinations import scene_inputs_digest, scene_layers

logger = logging.getLogger(__name__)

_loaded = OrderedDict()
_loaded_lock = threading.Lock()
_LOADED_MAX = 16


def prepared_dir(scene, digest):
    return Path(settings.PANOCONFIG_PREPARED_DIR) / str(int(scene.pk)) / digest


def _load(path):
    from renders.engine import PreparedScene

    key = str(path)
    with _loaded_lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
    prepared = PreparedScene.load(path)
    with _loaded_lock:
        _loaded[key] = prepared
        while len(_loaded) > _LOADED_MAX:
            _loaded.popitem(last=False)
    return prepared


def prepared_get_local(scene, layers=None):
    """The scene's prepared data if this machine has it for the current inputs, else None."""
    path = prepared_dir(scene, scene_inputs_digest(scene, layers))
    if not path.is_dir():
        return None
    try:
        return _load(path)
    except Exception:  # a folder from another engine version or a damaged one
        logger.warning("cannot load prepared scene %s", path, exc_info=True)
        return None


@contextmanager
def _scene_lock(scene):
    folder = Path(settings.PANOCONFIG_PREPARED_DIR) / str(int(scene.pk))
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _copy_local(field_file, folder, name):
    """Copy a stored image to a local file; returns (path, sha256 hex) or None when empty."""
    if not field_file:
        return None
    suffix = Path(field_file.name).suffix.lower()
    target = Path(folder) / f"{name}{suffix}"
    storage = storages["default"]
    digest = hashlib.sha256()
    with storage.open(field_file.name, "rb") as source, open(target, "wb") as out:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(chunk)
            out.write(chunk)
    return target, digest.hexdigest()


def revalidate_local_image(path, digest, *, expected_digest, what):
    """Check a copied upload again in the worker before the engine decodes it.

    The bytes must be those the admin validated (same digest), and still pass the upload
    checks (real format, pixel limit, single frame, complete file): storage is outside
    our control, and a decoder is the most exposed code a worker runs.
    """
    from renders.engine import EngineInputError

    if expected_digest and digest != expected_digest:
        raise EngineInputError(f"{what}: the stored file changed since it was uploaded; upload it again.")
    with open(path, "rb") as handle:
        try:
            inspect_image(File(handle, name=path.name))
        except ValidationError as error:
            raise EngineInputError(f"{what}: {' '.join(error.messages)}") from None
    return path


def scene_input_build(scene, layers, folder):
    """The engine's SceneInput for a scene, its images copied under ``folder`` and checked again."""
    from renders.engine import ImageInput, LayerInput, SceneInput

    def image(field_file, digest, name, what):
        copied = _copy_local(field_file, folder, name)
        if copied is None:
            return None
        path = revalidate_local_image(*copied, expected_digest=digest, what=f"{what} ({field_file.name})")
        return ImageInput(path=path, digest=digest)

    layer_inputs = []
    still_options = {}
    for index, layer in enumerate(layers):
        options = {}
        for option in sorted(layer.options.all(), key=lambda o: (o.position, o.pk)):
            about = f"option {option.code!r} of layer {layer.slug!r}"
            options[option.code] = image(option.image, option.image_digest, f"l{index}-o{option.pk}", f"Image of {about}")
            still = image(option.still_image, option.still_digest, f"l{index}-s{option.pk}", f"2D image of {about}")
            if still is not None:
                still_options[(layer.slug, option.code)] = still
        mask = image(layer.mask_image, layer.mask_digest, f"l{index}-mask", f"Mask of layer {layer.slug!r}")
        layer_inputs.append(LayerInput(key=layer.slug, mask=mask, options=options))
    return SceneInput(
        projection=scene.projection,
        base=image(scene.base_image, scene.base_digest, "base", "Base image"),
        layers=layer_inputs,
        still_base=image(scene.still_base_image, scene.still_base_digest, "still-base", "2D base image"),
        still_options=still_options,
    )


def _set_status(scene, status, *, error="", digest=None):
    fields = {"preparation_status": status, "preparation_error": error[:2000]}
    if status == PreparationStatus.READY:
        fields.update(prepared_inputs=digest, prepared_at=timezone.now())
    Scene.objects.filter(pk=scene.pk).update(**fields)


def scene_prepare(*, scene, force=False):
    """Prepare the scene for its current inputs (or load what this machine has).

    Raises EngineInputError (recorded on the scene) when its images cannot be used.
    """
    from renders.engine import EngineInputError, prepare_scene

    layers = scene_layers(scene)
    digest = scene_inputs_digest(scene, layers)
    path = prepared_dir(scene, digest)
    with _scene_lock(scene):
        if path.is_dir() and not force:
            prepared = _load(path)
            if scene.preparation_status != PreparationStatus.READY or scene.prepared_inputs != digest:
                _set_status(scene, PreparationStatus.READY, digest=digest)
            return prepared
        if path.is_dir():
            shutil.rmtree(path)
        _set_status(scene, PreparationStatus.PREPARING)
        try:
            with tempfile.TemporaryDirectory(prefix="panoconfig-inputs-") as folder:
                scene_input = scene_input_build(scene, layers, folder)
                path.parent.mkdir(parents=True, exist_ok=True)
                prepared = prepare_scene(scene_input, path)
        except EngineInputError as error:
            _set_status(scene, PreparationStatus.FAILED, error=str(error))
            raise
        except FileNotFoundError as error:
            _set_status(scene, PreparationStatus.FAILED, error=f"Missing image file: {error.filename or error}")
            raise
        _set_status(scene, PreparationStatus.READY, digest=digest)
        _forget_old(scene, keep=digest)
        return prepared


def _forget_old(scene, *, keep):
    """Remove this machine's prepared folders of the scene's earlier inputs."""
    folder = Path(settings.PANOCONFIG_PREPARED_DIR) / str(int(scene.pk))
    for child in folder.iterdir():
        if child.is_dir() and child.name != keep and not child.name.startswith("."):
            shutil.rmtree(child, ignore_errors=True)
