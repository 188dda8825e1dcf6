from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"

    def ready(self):
        from corsheaders.signals import check_request_enabled

        from tenants import admin_api_keys  # noqa: F401  registers the API key admin
        from tenants.cors import cors_allow_tenant_origins

        check_request_enabled.connect(cors_allow_tenant_origins, dispatch_uid="tenants.cors")
