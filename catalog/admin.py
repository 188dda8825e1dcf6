from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count

from catalog import services, validation
from catalog.models import Layer, LayerOption, Material, Scene
from tenants.admin_mixins import TenantScopedAdmin, TenantScopedMixin, thumbnail_tag


class SniffedImageField(forms.ImageField):
    """Our own checks before Django's: a bomb, an animation or a truncated file is named as such
    (Django's own check answers "not an image or a corrupted image" to all of them)."""

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)  # empty file, missing name, length
        if upload is not None:
            validation.inspect_image(upload)
        return super().to_python(data)


class SniffedUploadsMixin:
    formfield_overrides = {models.ImageField: {"form_class": SniffedImageField}}


class ServiceSaveMixin:
    """Saves go through catalog.services, so admin edits mark scenes for preparation."""

    def save_model(self, request, obj, form, change):
        services.catalog_object_save(instance=obj)

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            services.catalog_object_save(instance=instance)
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()


@admin.register(Material)
class MaterialAdmin(SniffedUploadsMixin, ServiceSaveMixin, TenantScopedAdmin):
    list_display = ["thumbnail_preview", "name", "slug", "tenant", "sku"]
    list_select_related = ["tenant"]
    list_display_links = ["name"]
    list_filter = ["tenant"]
    search_fields = ["name", "slug", "sku"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["tenant"]

    @admin.display(description="Thumbnail")
    def thumbnail_preview(self, obj):
        return thumbnail_tag(obj.thumbnail, alt=obj.name)


class LayerInline(SniffedUploadsMixin, TenantScopedMixin, admin.TabularInline):
    model = Layer
    extra = 0
    fields = ["mask_preview", "name", "slug", "build_order", "mask_image", "option_count"]
    readonly_fields = ["mask_preview", "option_count"]
    show_change_link = True  # the layer's own page edits its options
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="Mask")
    def mask_preview(self, obj):
        return thumbnail_tag(obj.mask_image, alt=obj.name, size=40)

    @admin.display(description="Options")
    def option_count(self, obj):
        return obj.options.count() if obj.pk else 0


@admin.register(Scene)
class SceneAdmin(SniffedUploadsMixin, ServiceSaveMixin, TenantScopedAdmin):
    list_display = [
        "base_preview", "name", "slug", "tenant", "projection", "is_published", "preparation_status", "layer_count",
    ]
    list_display_links = ["name"]
    list_filter = ["tenant", "is_published", "projection", "preparation_status"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["tenant"]
    ordering = ["tenant__name", "position", "name"]
    readonly_fields = ["base_preview", "size", "base_digest", "preparation_status", "preparation_error", "updated_at"]
    fieldsets = [
        (None, {"fields": ["tenant", "name", "slug", "position", "is_published"]}),
        ("Panorama", {"fields": ["projection", "base_image", "base_preview", "size", "still_base_image"]}),
        ("Default view", {"fields": ["default_yaw", "default_pitch", "default_fov"], "classes": ["collapse"]}),
        (
            "Preparation",
            {"fields": ["preparation_status", "preparation_error", "base_digest", "updated_at"], "classes": ["collapse"]},
        ),
    ]
    inlines = [LayerInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant").annotate(_layers=Count("layers"))

    @admin.display(description="Preview")
    def base_preview(self, obj):
        return thumbnail_tag(obj.base_image, alt=obj.name, size=80)

    @admin.display(description="Layers", ordering="_layers")
    def layer_count(self, obj):
        return obj._layers

    @admin.display(description="Size")
    def size(self, obj):
        return f"{obj.width}×{obj.height}" if obj.width else "—"


class LayerOptionInline(SniffedUploadsMixin, TenantScopedMixin, admin.TabularInline):
    model = LayerOption
    extra = 0
    fields = ["thumbnail_preview", "material", "image", "thumbnail", "position", "code"]
    readonly_fields = ["thumbnail_preview", "code"]
    autocomplete_fields = ["material"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("material")

    @admin.display(description="Preview")
    def thumbnail_preview(self, obj):
        return thumbnail_tag(obj.thumbnail_file, alt=str(obj.material) if obj.material_id else "", size=40)


class LayerForm(forms.ModelForm):
    class Meta:
        model = Layer
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("default_option")
        if field is not None:
            field.queryset = field.queryset.filter(layer_id=self.instance.pk) if self.instance.pk else field.queryset.none()


@admin.register(Layer)
class LayerAdmin(SniffedUploadsMixin, ServiceSaveMixin, TenantScopedAdmin):
    form = LayerForm
    list_display = ["mask_preview", "name", "slug", "scene", "tenant", "build_order", "option_count"]
    list_display_links = ["name"]
    list_filter = ["scene", ("scene__tenant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "scene__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["scene"]
    ordering = ["scene__tenant__name", "scene__position", "build_order"]
    inlines = [LayerOptionInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("scene__tenant").annotate(_options=Count("options"))
        )

    @admin.display(description="Mask")
    def mask_preview(self, obj):
        return thumbnail_tag(obj.mask_image, alt=obj.name)

    @admin.display(description="Tenant", ordering="scene__tenant__name")
    def tenant(self, obj):
        return obj.scene.tenant

    @admin.display(description="Options", ordering="_options")
    def option_count(self, obj):
        return obj._options


@admin.register(LayerOption)
class LayerOptionAdmin(SniffedUploadsMixin, ServiceSaveMixin, TenantScopedAdmin):
    list_display = ["thumbnail_preview", "__str__", "layer", "material", "position", "code", "keeps_base"]
    list_display_links = ["__str__"]
    list_filter = [
        ("layer__scene__tenant", admin.RelatedOnlyFieldListFilter),
        ("layer__scene", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["material__name", "layer__name", "layer__scene__name", "code"]
    autocomplete_fields = ["layer", "material"]
    readonly_fields = ["code", "image_digest"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("layer__scene", "material")

    @admin.display(description="Thumbnail")
    def thumbnail_preview(self, obj):
        return thumbnail_tag(obj.thumbnail_file, alt=str(obj.material))

    @admin.display(description="Keeps the base", boolean=True)
    def keeps_base(self, obj):
        return not obj.image
