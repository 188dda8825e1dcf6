"""The environment variables the configuration files read, found in their source.

Reads calls such as env_str("NAME", ...), env_int("NAME", ...), os.environ.get("NAME"),
os.environ["NAME"], os.getenv("NAME") and gunicorn.conf.py's _int("NAME", ...).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILES = [ROOT / "panoconfig" / "settings.py", ROOT / "gunicorn.conf.py"]
_READERS = {"env_str", "env_bool", "env_int", "env_list", "env_secret", "getenv", "_int"}


def _first_string_arg(call):
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _is_os_environ(node):
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def env_names_read(path):
    names = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            is_environ_get = isinstance(func, ast.Attribute) and func.attr == "get" and _is_os_environ(func.value)
            if name in _READERS or is_environ_get:
                found = _first_string_arg(node)
                if found:
                    names.add(found)
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            if isinstance(node.slice, ast.Constant):
                names.add(node.slice.value)
    return names


def all_env_names_read():
    names = set()
    for path in CONFIG_FILES:
        names |= env_names_read(path)
    return names
