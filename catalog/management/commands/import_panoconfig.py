from django.core.management.base import BaseCommand, CommandError

from catalog.legacy_import import LegacyImportError, import_folder


class Command(BaseCommand):
    help = "Import a client folder in the prototype's layout (DIR/<client>_cfg.json and DIR/scenes/...)."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="The client folder.")
        parser.add_argument("--tenant", help="Import into this tenant slug (default: the config's client id).")

    def handle(self, *args, folder, tenant=None, **options):
        try:
            result = import_folder(folder, tenant_slug=tenant, log=self.stdout.write)
        except LegacyImportError as error:
            raise CommandError(f"Nothing imported. {error}") from None
        self.stdout.write(self.style.SUCCESS(f"Imported into tenant {result.slug}."))
