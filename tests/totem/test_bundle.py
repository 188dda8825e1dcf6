"""The page's own JavaScript and CSS stay small and are served as static files."""

import gzip
from pathlib import Path

from django.contrib.staticfiles import finders

TOTEM_STATIC = Path(__file__).resolve().parents[2] / "static" / "totem"
BUDGET_BYTES = 50 * 1024


def test_the_totem_code_is_under_50_kb_gzipped():
    files = sorted(TOTEM_STATIC.glob("*.js")) + sorted(TOTEM_STATIC.glob("*.css"))
    assert len(files) >= 5

    total = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files)

    assert total < BUDGET_BYTES, f"{total} bytes gzipped"


def test_marzipano_is_found_from_node_modules():
    found = finders.find("vendor/marzipano/marzipano.js")

    assert found and Path(found).parent.parent.name == "marzipano"
    assert Path(found).stat().st_size > 100_000
