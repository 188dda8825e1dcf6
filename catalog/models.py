from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog.uploads import DigestedImagesMixin, random_upload_name
from tenants.models import Tenant
from tenants.querysets import TenantQuerySet


def _tenant_folder(tenant_id, kind):
    return f"tenants/{tenant_id}/{kind}"


def material_upload_path(instance, filename):
    return random_upload_name(_tenant_folder(instance.tenant_id, "materials"), filename)


def scene_upload_path(instance, filename):
    return random_upload_name(_tenant_folder(instance.tenant_id, "scenes"), filename)


def layer_upload_path(instance, filename):
    return random_upload_name(_tenant_folder(instance.scene.tenant_id, "masks"), filename)


def option_upload_path(instance, filename):
    return random_upload_name(_tenant_folder(instance.layer.scene.tenant_id, "options"), filename)


class Material(models.Model):
    """A tenant's catalog entry (a stone, a wood…), reusable across scenes."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="materials")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    thumbnail = models.ImageField(upload_to=material_upload_path, blank=True)
    sku = models.CharField("SKU", max_length=64, blank=True)
    description = models.TextField(blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="material_unique_slug_per_tenant"),
        ]

    def __str__(self):
        return self.name


class Projection(models.TextChoices):
    EQUIRECTANGULAR = "equirect", "Equirectangular 2:1"
    LEGACY_STRIP = "strip", "Legacy 6:1 cube strip"


class PreparationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PREPARING = "preparing", "Preparing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Scene(DigestedImagesMixin, models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="scenes")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0, help_text="Order of the scene in the totem's menu.")
    is_published = models.BooleanField(default=False)
    projection = models.CharField(max_length=10, choices=Projection.choices, default=Projection.EQUIRECTANGULAR)
    base_image = models.ImageField(upload_to=scene_upload_path)
    base_digest = models.CharField(max_length=64, blank=True, editable=False)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    still_base_image = models.ImageField(
        upload_to=scene_upload_path, blank=True, help_text="Optional flat 2D picture of the room for stills."
    )
    still_base_digest = models.CharField(max_length=64, blank=True, editable=False)
    default_yaw = models.FloatField(default=0, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    default_pitch = models.FloatField(default=0, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    default_fov = models.FloatField(default=90, validators=[MinValueValidator(20), MaxValueValidator(120)])
    preparation_status = models.CharField(
        max_length=10, choices=PreparationStatus.choices, default=PreparationStatus.PENDING, editable=False
    )
    preparation_error = models.TextField(blank=True, editable=False)
    prepared_inputs = models.CharField(
        max_length=64, blank=True, editable=False, help_text="Digest of the inputs the prepared data was made from."
    )
    prepared_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()
    digest_fields = {"base_image": "base_digest", "still_base_image": "still_base_digest"}

    class Meta:
        ordering = ["tenant", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="scene_unique_slug_per_tenant"),
        ]
        indexes = [
            models.Index(fields=["tenant", "is_published", "position"], name="scene_published_idx"),
        ]

    def __str__(self):
        return self.name


class Layer(DigestedImagesMixin, models.Model):
    """A region of the scene (countertop, floor…) cut out by an 8-bit grey mask."""

    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="layers")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    build_order = models.PositiveSmallIntegerField(default=0, help_text="Layers are composited in this order.")
    mask_image = models.ImageField(upload_to=layer_upload_path)
    mask_digest = models.CharField(max_length=64, blank=True, editable=False)
    poi_yaw = models.FloatField(
        "point of interest yaw", null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    poi_pitch = models.FloatField(
        "point of interest pitch", null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    default_option = models.ForeignKey(
        "LayerOption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "scene__tenant"
    digest_fields = {"mask_image": "mask_digest"}

    class Meta:
        ordering = ["scene", "build_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scene", "slug"], name="layer_unique_slug_per_scene"),
            models.UniqueConstraint(fields=["scene", "build_order"], name="layer_unique_build_order_per_scene"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.default_option_id and self.default_option.layer_id != self.pk:
            raise ValidationError({"default_option": "The default option must be one of this layer's options."})

    def get_default_option(self):
        """The default option, else the first one by position."""
        if self.default_option_id:
            return self.default_option
        return self.options.order_by("position", "pk").first()


class LayerOption(DigestedImagesMixin, models.Model):
    """A material offered for a layer, with the scene rendered in it (or none: keep the base)."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="options")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="options")
    image = models.ImageField(
        upload_to=option_upload_path, blank=True, help_text="The whole panorama in this material; empty keeps the base."
    )
    image_digest = models.CharField(max_length=64, blank=True, editable=False)
    still_image = models.ImageField(upload_to=option_upload_path, blank=True)
    still_digest = models.CharField(max_length=64, blank=True, editable=False)
    thumbnail = models.ImageField(
        upload_to=option_upload_path, blank=True, help_text="Optional; the material's thumbnail otherwise."
    )
    position = models.PositiveIntegerField(default=0)
    code = models.SlugField(
        max_length=8, blank=True, help_text="Short stable code used in share codes; set automatically."
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "layer__scene__tenant"
    digest_fields = {"image": "image_digest", "still_image": "still_digest"}

    class Meta:
        ordering = ["layer", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["layer", "code"], name="layeroption_unique_code_per_layer"),
            models.UniqueConstraint(fields=["layer", "material"], name="layeroption_unique_material_per_layer"),
        ]

    def __str__(self):
        return f"{self.layer}: {self.material}"

    def clean(self):
        if self.material_id and self.layer_id and self.material.tenant_id != self.layer.scene.tenant_id:
            raise ValidationError({"material": "Choose a material of this scene's tenant."})

    def save(self, *args, **kwargs):
        if not self.code:
            self.code = self._next_free_code()
        super().save(*args, **kwargs)

    def _next_free_code(self):
        taken = set(LayerOption.objects.filter(layer_id=self.layer_id).values_list("code", flat=True))
        number = 0
        while _base36(number) in taken:
            number += 1
        return _base36(number)

    @property
    def thumbnail_file(self):
        return self.thumbnail or self.material.thumbnail


def _base36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text
