"""Scene admin actions of the render service, attached to catalog's SceneAdmin by renders.admin."""

from django.conf import settings
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from renders import selectors, services
from renders.combinations import combinations_count
from renders.models import RequestedBy


@admin.action(description="Re-render (prepare again, re-render the most requested combinations)",
              permissions=["change"])
def rerender_scenes(modeladmin, request, queryset):
    total = 0
    for scene in queryset:
        total += services.scene_rerender(scene=scene)
    modeladmin.message_user(
        request, f"Preparation queued for {queryset.count()} scene(s); {total} combination(s) queued.", messages.SUCCESS
    )


@admin.action(description="Pre-render all combinations", permissions=["change"])
def prerender_all_combinations(modeladmin, request, queryset):
    cap = settings.PANOCONFIG_PREWARM_CAP
    scenes = list(queryset)
    rows = [
        {"scene": scene, "count": combinations_count(scene=scene), "figures": selectors.scene_cache_figures(scene=scene)}
        for scene in scenes
    ]
    if request.POST.get("confirm") == "yes":
        queued = existing = 0
        for row in rows:
            new, old = services.scene_prewarm(scene=row["scene"], limit=cap, requested_by=RequestedBy.ADMIN)
            queued, existing = queued + new, existing + old
        capped = [row["scene"].name for row in rows if row["count"] > cap]
        note = f" Capped at {cap} per scene: {', '.join(capped)}." if capped else ""
        modeladmin.message_user(
            request, f"{queued} combination(s) queued, {existing} already known.{note}", messages.SUCCESS
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Pre-render all combinations",
        "rows": rows,
        "cap": cap,
        "queryset": queryset,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/renders/prerender_confirm.html", context)


SCENE_ACTIONS = [rerender_scenes, prerender_all_combinations]


@admin.display(description="Renders")
def render_cache_link(scene):
    """A scene list column: combinations rendered and tiles stored, linking to the scene's jobs
    (whose list then shows the full cache figures)."""
    figures = selectors.scene_cache_counts(scene=scene)
    url = reverse("admin:renders_renderjob_changelist") + f"?scene__id__exact={scene.pk}"
    return format_html('<a href="{}">{} ready · {} tiles</a>', url, figures["ready"], figures["tiles"])
