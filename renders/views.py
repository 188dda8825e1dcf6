"""Local tile serving (production serves them from R2 behind the CDN)."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from renders.tilestore import NAME_PATTERN, cache_control, tiles_storage


@require_safe
def tile_view(request, name):
    # Only names the service makes (hex key, fixed folder and suffix): no user text reaches a path.
    if not NAME_PATTERN.match(name):
        raise Http404("No such tile.")
    storage = tiles_storage()
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("No such tile.") from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = cache_control()
    response["X-Content-Type-Options"] = "nosniff"
    response["Access-Control-Allow-Origin"] = "*"
    return response
