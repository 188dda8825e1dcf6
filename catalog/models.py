from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog import validation
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

    def clean(self):
        check_fields(self, {"thumbnail": None})


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

    def clean(self):
        errors = {}
        info = collect_error(errors, "base_image", lambda: self._check_base_image())
        if info is None and "base_image" not in errors and self.base_image and self.width:
            # The stored base did not change: the projection still has to fit it.
            stored = validation.ImageInfo("", self.width, self.height, "")
            collect_error(errors, "projection", lambda: validation.check_panorama(stored, self.projection))
        collect_error(errors, "still_base_image", lambda: check_upload(self, "still_base_image"))
        if errors:
            raise ValidationError(errors)

    def _check_base_image(self):
        info = check_upload(self, "base_image")
        if info is None:
            return None
        validation.check_panorama(info, self.projection)
        if self.pk and self.width and info.size != (self.width, self.height) and self.layers.exists():
            raise ValidationError(
                f"This image is {info.width}×{info.height} but the scene's layers and options are "
                f"{self.width}×{self.height}; a new base must keep the size of the scene's other images.",
                code="size_mismatch",
            )
        return info

    def image_size(self):
        """(width, height) of the base, read from a new upload's header when not yet saved."""
        if self.base_image and not self.base_image._committed:
            return validation.inspect_image(self.base_image).size
        return (self.width, self.height)

    def still_size(self):
        if not self.still_base_image:
            return None
        return validation.inspect_image(self.still_base_image).size

    def save(self, *args, **kwargs):
        if self.base_image and not self.base_image._committed:
            self.width, self.height = validation.inspect_image(self.base_image).size
        elif not self.base_image:
            self.width = self.height = 0
        super().save(*args, **kwargs)


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
        errors = {}
        if self.default_option_id and self.default_option.layer_id != self.pk:
            errors["default_option"] = ["The default option must be one of this layer's options."]
        scene = self._scene()
        if scene is not None:
            collect_error(errors, "mask_image", lambda: check_upload(self, "mask_image", same_size_as=scene))
        if errors:
            raise ValidationError(errors)

    def _scene(self):
        try:
            return self.scene
        except Scene.DoesNotExist:
            return None

    def save(self, *args, **kwargs):
        mask = self.mask_image
        if mask and not mask._committed:
            info = validation.inspect_image(mask)
            grey = validation.grey_mask_file(mask, info)
            if grey is not mask:
                self.mask_image = grey
        super().save(*args, **kwargs)

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
        errors = {}
        scene = self._scene()
        if self.material_id and scene is not None and self.material.tenant_id != scene.tenant_id:
            errors["material"] = ["Choose a material of this scene's tenant."]
        if scene is not None:
            collect_error(errors, "image", lambda: check_upload(self, "image", same_size_as=scene))
            collect_error(errors, "still_image", lambda: self._check_still(scene))
        collect_error(errors, "thumbnail", lambda: check_upload(self, "thumbnail"))
        if errors:
            raise ValidationError(errors)

    def _scene(self):
        try:
            return self.layer.scene
        except (Layer.DoesNotExist, Scene.DoesNotExist):
            return None

    def _check_still(self, scene):
        info = check_upload(self, "still_image")
        if info is None:
            return
        still = scene.still_size()
        if still is None:
            raise ValidationError("Add a 2D still base image to the scene before option stills.", code="no_still_base")
        validation.check_same_size(info, still, what="the scene's 2D still base image")

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


def check_upload(instance, field_name, same_size_as=None):
    """Validate a newly assigned image (stored ones were checked when they came in).

    Gives the file a name with the extension of its real format, so the stored
    name never carries the uploaded extension.
    """
    field_file = getattr(instance, field_name)
    if not field_file or field_file._committed:
        return None
    info = validation.inspect_image(field_file)
    field_file.name = f"upload{validation.ALLOWED_FORMATS[info.format]}"
    if same_size_as is not None:
        validation.check_same_size(info, same_size_as.image_size())
    return info


def check_fields(instance, fields):
    errors = {}
    for name, same_size_as in fields.items():
        collect_error(errors, name, lambda: check_upload(instance, name, same_size_as))
    if errors:
        raise ValidationError(errors)


def collect_error(errors, field_name, check):
    """Run one check, filing its ValidationError under the field instead of raising."""
    try:
        return check()
    except ValidationError as error:
        errors.setdefault(field_name, []).extend(error.messages)
        return None
