import re
from pathlib import Path

from tests.production.envreads import all_env_names_read

ROOT = Path(__file__).resolve().parents[2]
_VARIABLE_LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|ACCESS_KEY|DSN|TOKEN")


def documented():
    return _VARIABLE_LINE.findall((ROOT / ".env.example").read_text())


def test_every_variable_the_settings_read_is_documented():
    assert sorted(all_env_names_read() - set(documented())) == []


def test_nothing_is_documented_that_the_settings_do_not_read():
    assert sorted(set(documented()) - all_env_names_read()) == []


def test_each_variable_is_documented_once():
    names = documented()
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_no_secret_has_a_value_in_the_example():
    text = (ROOT / ".env.example").read_text()
    for name, value in re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$", text, re.MULTILINE):
        if _SECRET_NAME.search(name):
            assert value == "", f"{name} has a value in .env.example"


def test_the_finder_sees_reads_of_every_kind(tmp_path):
    from tests.production.envreads import env_names_read

    source = tmp_path / "conf.py"
    source.write_text(
        "import os\n"
        "a = env_str('A_STR', '')\nb = env_bool('B_BOOL')\nc = os.environ.get('C_GET')\n"
        "d = os.environ['D_ITEM']\ne = os.getenv('E_GETENV')\nf = _int('F_INT', 1)\n"
        "g = env_secret('G_SECRET', required=True)\n"
    )
    assert env_names_read(source) == {"A_STR", "B_BOOL", "C_GET", "D_ITEM", "E_GETENV", "F_INT", "G_SECRET"}
