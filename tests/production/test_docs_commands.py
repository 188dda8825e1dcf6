"""Every command in docs/ is one the project runs in a test or a script."""

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
_FENCE = re.compile(r"```sh\n(.*?)```", re.DOTALL)
_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def doc_commands():
    for doc in DOCS:
        for block in _FENCE.findall(doc.read_text()):
            for line in block.splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    words = shlex.split(line)
                    while words and _ASSIGNMENT.match(words[0]):
                        words.pop(0)
                    yield doc.name, words


def evidence_text():
    """What the project runs: its tests, scripts, Makefile, CI and render.yaml."""
    sources = [*ROOT.joinpath("tests").rglob("*.py"), *ROOT.joinpath("scripts").glob("*"),
               ROOT / "Makefile", ROOT / ".ci" / "run", ROOT / "render.yaml"]
    here = Path(__file__).resolve()
    return "\n".join(p.read_text() for p in sources if p.is_file() and p.resolve() != here)


COMMANDS = list(doc_commands())


def test_the_docs_have_commands():
    assert len(COMMANDS) >= 8


@pytest.mark.parametrize(("doc", "words"), COMMANDS, ids=[" ".join(w) for _, w in COMMANDS])
def test_each_command_exists_and_is_exercised(doc, words):
    evidence = evidence_text()
    if words[:2] == ["python", "manage.py"]:
        name = words[2]
        assert name in get_commands(), f"{doc}: no management command {name!r}"
        assert re.search(rf"""manage\.py {name}\b|call_command\(\s*["']{name}["']|["']{name}["'],""", evidence), (
            f"{doc}: `manage.py {name}` is run by no test or script"
        )
    elif words[0].startswith("scripts/"):
        script = ROOT / words[0]
        assert script.is_file(), f"{doc}: {words[0]} does not exist"
        assert script.name in evidence, f"{doc}: {words[0]} is run by no test"
    elif words[0] == "make":
        assert re.search(rf"^{re.escape(words[1])}:", (ROOT / "Makefile").read_text(), re.MULTILINE)
    else:
        pytest.fail(f"{doc}: {' '.join(words)} is not a project command")
