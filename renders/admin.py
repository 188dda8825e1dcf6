from django.contrib import admin
from django.utils.html import format_html, format_html_join

from catalog.models import Scene
from renders import selectors
from renders.admin_actions import SCENE_ACTIONS, render_cache_link
from renders.models import JobStatus, RenderJob
from tenants.admin_mixins import TenantScopedAdmin, has_tenant

BADGE_COLOURS = {
    JobStatus.QUEUED: "#6e7781",
    JobStatus.RENDERING: "#bf8700",
    JobStatus.READY: "#1a7f37",
    JobStatus.FAILED: "#cf222e",
}


def _attach_scene_actions():
    """Add the render actions to the catalog's SceneAdmin (registered by the catalog app)."""
    scene_admin = admin.site._registry.get(Scene)
    if scene_admin is None:
        return
    existing = list(scene_admin.actions or [])
    scene_admin.actions = existing + [action for action in SCENE_ACTIONS if action not in existing]
    if render_cache_link not in scene_admin.list_display:
        scene_admin.list_display = [*scene_admin.list_display, render_cache_link]


_attach_scene_actions()


@admin.register(RenderJob)
class RenderJobAdmin(TenantScopedAdmin):
    list_display = [
        "build", "scene", "tenant", "kind", "status_badge", "progress_bar", "levels_ready", "requested_by",
        "request_count", "created_at", "duration",
    ]
    list_filter = ["status", "kind", "requested_by", "tenant", "scene"]
    search_fields = ["build", "scene__name", "combination"]
    date_hierarchy = "created_at"
    list_select_related = ["scene", "tenant"]
    readonly_fields = [
        "tenant", "scene", "kind", "build", "combination", "selection", "status_badge", "progress_bar",
        "tiles_done", "tiles_total", "tiles_rendered", "levels_ready", "timings_table", "error", "requested_by",
        "request_count", "attempts", "created_at", "queued_at", "started_at", "finished_at", "heartbeat_at",
    ]
    exclude = ["levels", "tile_keys", "timings", "claim", "output_key", "status"]

    def has_view_permission(self, request, obj=None):
        # Every tenant's staff may watch their own renders; the queryset is scoped.
        return has_tenant(request.user)

    def has_module_permission(self, request):
        return has_tenant(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px">{}</span>',
            BADGE_COLOURS.get(obj.status, "#6e7781"), obj.get_status_display(),
        )

    @admin.display(description="Progress")
    def progress_bar(self, obj):
        percent = round(obj.progress * 100)
        return format_html(
            '<div style="width:120px;background:#eaeef2;border-radius:4px" title="{} / {} tiles">'
            '<div style="width:{}%;background:#2da44e;height:10px;border-radius:4px"></div></div>',
            obj.tiles_done, obj.tiles_total, percent,
        )

    @admin.display(description="Duration")
    def duration(self, obj):
        total = (obj.timings or {}).get("total_s")
        return f"{total:.2f} s" if total is not None else "—"

    @admin.display(description="Timings (s)")
    def timings_table(self, obj):
        if not obj.timings:
            return "—"
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", sorted(obj.timings.items())),
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        scene_id = request.GET.get("scene__id__exact")
        if scene_id and scene_id.isdigit():
            scene = Scene.objects.for_user(request.user).filter(pk=scene_id).first()
            if scene is not None:
                figures = selectors.scene_cache_figures(scene=scene)
                extra_context["subtitle"] = (
                    f"{scene}: {figures['combinations_rendered']} combinations rendered, "
                    f"{figures['tiles_stored']} tiles stored ({figures['bytes_stored'] / 1e6:.1f} MB), "
                    f"{figures['shared_share']:.0%} of tiles shared between combinations"
                )
        return super().changelist_view(request, extra_context=extra_context)
