from django.core.management.base import BaseCommand, CommandError

from catalog.models import Scene
from renders import services
from renders.combinations import combinations_count
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Queue renders for every combination of a scene (or the N first)."

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="tenant slug")
        parser.add_argument("scene", help="scene slug")
        parser.add_argument("--limit", type=int, default=None, help="queue only the N first combinations")

    def handle(self, *args, tenant, scene, limit, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"No tenant {tenant!r}.")
        scene_obj = Scene.objects.for_tenant(tenant_obj).filter(slug=scene).first()
        if scene_obj is None:
            raise CommandError(f"No scene {scene!r} in tenant {tenant!r}.")
        total = combinations_count(scene=scene_obj)
        queued, existing = services.scene_prewarm(scene=scene_obj, limit=limit)
        self.stdout.write(
            f"{scene_obj}: {total} combinations; {queued} queued, {existing} already known."
        )
