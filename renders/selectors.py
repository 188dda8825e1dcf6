"""Reads for the API and the admin. Every lookup starts from a tenant."""

import hashlib
import json
import logging

from django.core.cache import cache
from django.db.models import Count, Prefetch, Sum

from catalog.models import Layer, LayerOption, PreparationStatus, Scene
from panoconfig.errors import CACHE_ERRORS
from panoconfig.rows import RowReader
from renders import sharecodes
from renders.combinations import combination_from_build, scene_layers
from renders.models import JobKind, JobStatus, RenderJob, Tile
from renders.tilestore import UrlMaker
from tenants.models import Tenant

logger = logging.getLogger(__name__)


# The lookups every API request makes, read without compiling a queryset each time: 0.13 and
# 0.17 ms against 0.5 and 1.3 ms through the ORM (make load's saturation phase is bound by them).
_ACTIVE_TENANT = RowReader(Tenant, "slug = %s AND is_active")
_RENDERABLE_SCENE = {
    column: RowReader(Scene, f"tenant_id = %s AND {column} = %s AND is_published AND preparation_status <> %s")
    for column in ("slug", "id")
}


def tenant_get_active(*, slug):
    """The active tenant with this slug, or None."""
    return _ACTIVE_TENANT.first([slug])


def _scene_get_renderable(*, tenant, column, value):
    """The tenant's published scene whose preparation did not fail, by ``slug`` or ``id``."""
    return _RENDERABLE_SCENE[column].first([tenant.pk, value, PreparationStatus.FAILED])


def scenes_published(*, tenant):
    """Published scenes a totem may show (not those whose preparation failed)."""
    options = LayerOption.objects.select_related("material").order_by("position", "pk")
    layers = Layer.objects.prefetch_related(Prefetch("options", queryset=options)).order_by("build_order", "pk")
    return (
        Scene.objects.for_tenant(tenant)
        .filter(is_published=True)
        .exclude(preparation_status=PreparationStatus.FAILED)
        .prefetch_related(Prefetch("layers", queryset=layers))
        .order_by("position", "name")
    )


def scene_get_published(*, tenant, slug):
    """The tenant's renderable scene with this slug (layers are loaded by the caller), or None."""
    return _scene_get_renderable(tenant=tenant, column="slug", value=slug)


def scene_for_build(*, tenant, build):
    """The tenant's published scene a share code names, or None."""
    try:
        scene_id = sharecodes.scene_id_of(build)
    except sharecodes.ShareCodeError:
        return None
    return _scene_get_renderable(tenant=tenant, column="id", value=scene_id)


def combination_get(*, tenant, build):
    """The combination a tenant's share code names, or None (unknown, foreign, or forged)."""
    scene = scene_for_build(tenant=tenant, build=build)
    if scene is None:
        return None
    try:
        return combination_from_build(scene=scene, build=build, layers=scene_layers(scene))
    except sharecodes.ShareCodeError:
        return None


def _level_of(path):
    return int(path.split("/", 2)[1])


def render_state_data(*, state, build, tenant, request):
    """The render response of DESIGN.md for a RenderState."""
    job = state.job
    urls = UrlMaker(request)
    if job is None:
        tile_keys, levels, levels_ready = state.tile_keys, state.levels, len(state.levels)
        tiles_total = tiles_done = len(tile_keys)
    else:
        tile_keys, levels = job.tile_keys, job.levels
        levels_ready = len(levels) if job.status == JobStatus.READY else job.levels_ready
        tiles_total, tiles_done = job.tiles_total, job.tiles_done
    tiles = {path: urls.tile(key) for path, key in tile_keys.items() if _level_of(path) < levels_ready}
    data = {
        "build": build,
        "scene": state.combination.scene.slug,
        "selection": state.combination.selection,
        "status": state.status,
        "progress": {"tiles_done": tiles_done, "tiles_total": tiles_total, "levels_ready": levels_ready},
        "status_url": f"/api/v1/tenants/{tenant.slug}/renders/{build}",
        "viewer": {"levels": levels, "tiles": tiles},
    }
    if job is not None and job.status == JobStatus.FAILED:
        data["error"] = "The render failed; it is tried again on a later request."
    return data


def still_state_data(*, job, build, tenant, request):
    data = {
        "build": build,
        "status": job.status,
        "status_url": f"/api/v1/tenants/{tenant.slug}/renders/{build}/still",
        "url": UrlMaker(request).still(job.output_key) if job.status == JobStatus.READY else None,
    }
    return data


def _absolute(request, field_file):
    if not field_file:
        return None
    return request.build_absolute_uri(field_file.url)


def tenant_config_data(*, tenant, request):
    """Published scenes, their layers and options, default view and points of interest."""
    scenes = []
    for scene in scenes_published(tenant=tenant):
        layers = []
        for layer in scene.layers.all():
            options = list(layer.options.all())
            default = layer.default_option_id or (options[0].pk if options else None)
            layers.append({
                "slug": layer.slug,
                "name": layer.name,
                "build_order": layer.build_order,
                "poi": None if layer.poi_yaw is None else {"yaw": layer.poi_yaw, "pitch": layer.poi_pitch or 0.0},
                "default_option": next((o.code for o in options if o.pk == default), None),
                "options": [
                    {
                        "code": option.code,
                        "material": option.material.slug,
                        "name": option.material.name,
                        "sku": option.material.sku,
                        "thumbnail": _absolute(request, option.thumbnail_file),
                    }
                    for option in options
                ],
            })
        scenes.append({
            "slug": scene.slug,
            "name": scene.name,
            "projection": scene.projection,
            "ready": scene.preparation_status == PreparationStatus.READY,
            "default_view": {"yaw": scene.default_yaw, "pitch": scene.default_pitch, "fov": scene.default_fov},
            "layers": layers,
        })
    return {
        "tenant": {
            "slug": tenant.slug,
            "name": tenant.name,
            "logo": _absolute(request, tenant.logo),
            "primary_color": tenant.primary_color,
            "idle_reset_seconds": tenant.idle_reset_seconds,
            "language": tenant.language,
        },
        "scenes": scenes,
    }


def scene_cache_counts(*, scene):
    """Cheap figures for lists: ready combinations and stored tiles."""
    return {
        "ready": RenderJob.objects.filter(scene=scene, kind=JobKind.TILES, status=JobStatus.READY).count(),
        "tiles": Tile.objects.filter(scene=scene).count(),
    }


def scene_cache_figures(*, scene):
    """Combinations rendered, tiles stored, bytes, and how many tiles serve several combinations."""
    jobs = RenderJob.objects.filter(scene=scene, kind=JobKind.TILES, status=JobStatus.READY)
    uses = {}
    combinations = 0
    for tile_keys in jobs.values_list("tile_keys", flat=True).iterator():
        combinations += 1
        for key in tile_keys.values():
            uses[key] = uses.get(key, 0) + 1
    stored = Tile.objects.filter(scene=scene).aggregate(count=Count("key"), bytes=Sum("size"))
    shared = sum(1 for count in uses.values() if count > 1)
    return {
        "combinations_rendered": combinations,
        "tiles_stored": stored["count"] or 0,
        "bytes_stored": stored["bytes"] or 0,
        "tiles_shared": shared,
        "shared_share": round(shared / len(uses), 3) if uses else 0.0,
        "tile_references": sum(uses.values()),
    }


# --- Answers for ready combinations ------------------------------------------------
#
# A ready combination's answer only changes when the scene does, so repeated POSTs of
# it are served from the cache. The key holds everything that moves when the scene's
# images change (the catalog resets preparation_status, preparation sets
# prepared_inputs); changes that do not touch images (a layer's default option) show
# after READY_ANSWER_SECONDS at most.

READY_ANSWER_SECONDS = 60


def ready_answer_key(*, scene, selection, request):
    state = [scene.pk, str(scene.updated_at), scene.prepared_inputs, scene.preparation_status,
             sorted(selection.items()), request.get_host(), request.is_secure()]
    return "renders:answer:" + hashlib.sha256(json.dumps(state).encode()).hexdigest()


def ready_answer_get(*, key):
    try:
        cached = cache.get(key)
    except CACHE_ERRORS as error:  # Redis away: answer from the database
        logger.warning("answer cache unavailable: %s", error)
        return None
    if cached is None:
        return None
    from renders.services import job_count_hit

    job_count_hit(job_id=cached["job"])
    return cached["data"]


def ready_answer_set(*, key, data, job):
    if job is not None:
        try:
            cache.set(key, {"data": data, "job": job.pk}, READY_ANSWER_SECONDS)
        except CACHE_ERRORS as error:
            logger.warning("answer cache unavailable: %s", error)
