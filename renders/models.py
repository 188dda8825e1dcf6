from datetime import timedelta

from django.db import models
from django.utils import timezone

from catalog.models import Scene
from tenants.models import Tenant
from tenants.querysets import TenantQuerySet


class JobKind(models.TextChoices):
    TILES = "tiles", "Tiles"
    STILL = "still", "2D still"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class RequestedBy(models.TextChoices):
    TOTEM = "totem", "Totem"
    ADMIN = "admin", "Admin"
    PREWARM = "prewarm", "Prewarm"


class RenderJobQuerySet(TenantQuerySet):
    def stale(self, *, seconds, queued_seconds=None, now=None):
        """Jobs whose worker stopped reporting (or whose message seems lost): taken over when
        asked for again. A queued job waits ``queued_seconds`` (10 × ``seconds`` by default)
        since a long prewarm can legitimately keep it in the queue."""
        now = now or timezone.now()
        limit = now - timedelta(seconds=seconds)
        queued_limit = now - timedelta(seconds=queued_seconds if queued_seconds is not None else seconds * 10)
        queued_too_long = models.Q(status=JobStatus.QUEUED, queued_at__lt=queued_limit)
        silent = models.Q(status=JobStatus.RENDERING) & (
            models.Q(heartbeat_at__lt=limit) | models.Q(heartbeat_at__isnull=True)
        )
        return self.filter(queued_too_long | silent)


class RenderJob(models.Model):
    """One combination of a scene's inputs, rendered once whoever asks for it.

    ``combination`` is a digest of exactly the inputs that decide the pixels (engine
    version, projection, base, and each layer's mask and chosen option image), so two
    share codes choosing options with the same image share one job.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="render_jobs")
    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="render_jobs")
    kind = models.CharField(max_length=8, choices=JobKind.choices, default=JobKind.TILES)
    build = models.CharField("share code", max_length=200)
    combination = models.CharField(max_length=64, help_text="Digest of the inputs of this combination.")
    selection = models.JSONField(default=dict, help_text="Layer slug → option code.")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    requested_by = models.CharField(max_length=8, choices=RequestedBy.choices, default=RequestedBy.TOTEM)
    request_count = models.PositiveIntegerField(default=1)
    tiles_total = models.PositiveIntegerField(default=0)
    tiles_done = models.PositiveIntegerField(default=0)
    tiles_rendered = models.PositiveIntegerField(default=0, help_text="Tiles this job had to render itself.")
    levels_ready = models.PositiveSmallIntegerField(default=0)
    levels = models.JSONField(default=list, blank=True, help_text="Marzipano CubeGeometry levels.")
    tile_keys = models.JSONField(default=dict, blank=True, help_text="Tile path (f/0/0/0) → content key.")
    output_key = models.CharField(max_length=64, blank=True, help_text="Storage key of a still.")
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds per stage.")
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.CharField(max_length=32, blank=True, help_text="Token of the worker run that owns the job.")
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = RenderJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scene", "kind", "combination"], name="renderjob_one_per_scene_combination"
            ),
            models.CheckConstraint(
                condition=models.Q(tiles_done__lte=models.F("tiles_total")), name="renderjob_done_within_total"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="renderjob_status_heartbeat_idx"),
            models.Index(fields=["tenant", "-created_at"], name="renderjob_tenant_created_idx"),
        ]

    def __str__(self):
        return f"{self.scene} · {self.build} ({self.get_status_display()})"

    @property
    def progress(self):
        if self.status == JobStatus.READY:
            return 1.0
        return self.tiles_done / self.tiles_total if self.tiles_total else 0.0


class Tile(models.Model):
    """Index of stored tiles: a key here means its bytes are in the tiles storage."""

    key = models.CharField(max_length=64, primary_key=True)
    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="tiles")
    level = models.PositiveSmallIntegerField()
    size = models.PositiveIntegerField(help_text="Bytes.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["scene", "level"], name="tile_scene_level_idx")]

    def __str__(self):
        return self.key

    @property
    def storage_name(self):
        return tile_storage_name(self.key)


def tile_storage_name(key):
    return f"t/{key}.jpg"


def still_storage_name(key):
    return f"s/{key}.jpg"
