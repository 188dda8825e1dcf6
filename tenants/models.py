from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from tenants.querysets import TenantQuerySet
from tenants.validators import validate_origin


def tenant_logo_path(instance, filename):
    # Never the uploaded name: only the tenant's id and a fresh token.
    from catalog.uploads import random_upload_name

    return random_upload_name(f"tenants/{instance.pk or 'new'}/logo", filename)


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    PORTUGUESE_BR = "pt-br", "Português (Brasil)"


class Tenant(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    logo = models.ImageField(upload_to=tenant_logo_path, blank=True)
    primary_color = models.CharField(
        max_length=7, default="#1f6feb", help_text="Accent colour of the totem, as #rrggbb."
    )
    is_active = models.BooleanField(default=True)
    idle_reset_seconds = models.PositiveIntegerField(
        default=90,
        validators=[MinValueValidator(10)],
        help_text="A totem returns to its default configuration after this many idle seconds.",
    )
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    require_api_key = models.BooleanField(
        default=False,
        help_text="When on, the tenant's API answers only requests carrying one of its own API keys.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "pk"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(primary_color__regex=r"^#[0-9a-fA-F]{6}$"),
                name="tenant_primary_color_hex",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from catalog.models import check_fields

        check_fields(self, {"logo": None})

    @property
    def origins(self):
        return [o.origin for o in self.allowed_origins.all()]


class AllowedOrigin(models.Model):
    """A web origin (scheme://host[:port]) where this tenant's totems run or are embedded."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="allowed_origins")
    origin = models.CharField(max_length=255, validators=[validate_origin])

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["origin"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "origin"], name="allowedorigin_unique_per_tenant"),
        ]
        indexes = [models.Index(fields=["origin"], name="allowedorigin_origin_idx")]

    def __str__(self):
        return self.origin


class Membership(models.Model):
    """A staff user's access to one tenant's back office."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.tenant}"


class TenantApiKey(models.Model):
    """A kiosk device's key to its tenant's API. Only a SHA-256 digest of the key is stored."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80, help_text="Where the key is used, e.g. “Totem by the entrance”.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None
