from django.urls import path

from totem.views import totem_page

app_name = "totem"

urlpatterns = [
    path("t/<slug:tenant_slug>/", totem_page, name="page"),
]
