"""A scene plus one option per layer: validation, share codes and input digests.

Nothing here touches pixels: a combination is resolved from the database alone, so
the web process answers without the engine's prepared data.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

from catalog.models import Layer, Scene
from renders import sharecodes


class SelectionError(ValueError):
    """Field messages for a selection that does not fit the scene: {"field": message}."""

    def __init__(self, messages):
        super().__init__(messages)
        self.messages = messages


def engine_version():
    from renders.engine import ENGINE_VERSION

    return ENGINE_VERSION


def _digest(payload):
    return hashlib.sha256(json.dumps(payload, separators=(",", ":")).encode()).hexdigest()


def scene_layers(scene):
    """The scene's layers in build order, each with its options prefetched in order."""
    return list(
        Layer.objects.filter(scene=scene)
        .select_related("default_option")
        .prefetch_related("options")
        .order_by("build_order", "pk")
    )


def _ordered_options(layer):
    return sorted(layer.options.all(), key=lambda option: (option.position, option.pk))


def _default_option(layer):
    if layer.default_option_id:
        return layer.default_option
    options = _ordered_options(layer)
    return options[0] if options else None


def scene_inputs_digest(scene, layers=None):
    """Digest of everything scene preparation reads: names the prepared directory."""
    layers = scene_layers(scene) if layers is None else layers
    return _digest(
        [
            engine_version(),
            scene.projection,
            scene.base_digest,
            scene.still_base_digest,
            [
                [
                    layer.slug,
                    layer.mask_digest,
                    [[o.code, o.image_digest, o.still_digest] for o in _ordered_options(layer)],
                ]
                for layer in layers
            ],
        ]
    )


@dataclass(frozen=True)
class Combination:
    scene: Scene
    layers: tuple
    options: tuple  # the chosen LayerOption of each layer, in build order

    @property
    def selection(self):
        return {layer.slug: option.code for layer, option in zip(self.layers, self.options)}

    @cached_property
    def build(self):
        return sharecodes.encode(self.scene.pk, [option.code for option in self.options])

    @cached_property
    def digest(self):
        """Digest of exactly the inputs that decide the panorama's pixels."""
        return _digest(
            [
                engine_version(),
                self.scene.projection,
                self.scene.base_digest,
                [
                    [layer.slug, layer.mask_digest, option.image_digest or "none"]
                    for layer, option in zip(self.layers, self.options)
                ],
            ]
        )

    @cached_property
    def still_digest(self):
        scene = self.scene
        return _digest(
            [
                self.digest,
                scene.still_base_digest,
                [option.still_digest for option in self.options],
                [scene.default_yaw, scene.default_pitch, scene.default_fov],
            ]
        )


def combination_from_selection(*, scene, selection, layers=None):
    """Resolve ``{layer slug: option code}``; layers left out take their default option."""
    layers = scene_layers(scene) if layers is None else layers
    by_slug = {layer.slug: layer for layer in layers}
    errors = {slug: f"Unknown layer {slug!r}." for slug in selection if slug not in by_slug}
    chosen = []
    for layer in layers:
        code = selection.get(layer.slug)
        if code is None:
            option = _default_option(layer)
            if option is None:
                errors[layer.slug] = "This layer has no options."
        else:
            option = next((o for o in layer.options.all() if o.code == code), None)
            if option is None:
                errors[layer.slug] = f"Unknown option {code!r}."
        chosen.append(option)
    if errors:
        raise SelectionError({"selection": errors})
    return Combination(scene=scene, layers=tuple(layers), options=tuple(chosen))


def combination_from_build(*, scene, build, layers=None):
    """The combination a share code names, or ShareCodeError when it is not this scene's."""
    layers = scene_layers(scene) if layers is None else layers
    codes = sharecodes.decode(build, scene_id=scene.pk, layer_count=len(layers))
    try:
        return combination_from_selection(
            scene=scene, selection={layer.slug: code for layer, code in zip(layers, codes)}, layers=layers
        )
    except SelectionError:
        raise sharecodes.ShareCodeError("This share code names options the scene no longer has.") from None


def combinations_all(*, scene, layers=None):
    """Every combination of the scene, the default one first, then in option order."""
    import itertools

    layers = scene_layers(scene) if layers is None else layers
    choices = [_ordered_options(layer) for layer in layers]
    if any(not options for options in choices):
        return
    default = tuple(_default_option(layer) for layer in layers)
    yield Combination(scene=scene, layers=tuple(layers), options=default)
    for options in itertools.product(*choices):
        if options != default:
            yield Combination(scene=scene, layers=tuple(layers), options=options)


def combinations_count(*, scene, layers=None):
    layers = scene_layers(scene) if layers is None else layers
    count = 1
    for layer in layers:
        count *= len(layer.options.all())
    return count
