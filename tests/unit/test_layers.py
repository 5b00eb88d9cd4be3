"""The layering of CONVENTIONS.md: domain knows no Flask or database session; services know no Flask."""
import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FORBIDDEN = {
    "app/domain": ("flask", "werkzeug", "sqlalchemy", "app.services", "app.channels", "app.web", "app.extensions"),
    "app/services": ("flask", "werkzeug", "app.channels", "app.web", "app.extensions"),
}


def imports_of(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_lower_layers_do_not_import_upper_ones(layer):
    offenders = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for module in imports_of(path):
            if any(module == f or module.startswith(f + ".") for f in FORBIDDEN[layer]):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_time_is_read_only_from_the_clock():
    offenders = []
    for folder in ("app", "jobs"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "clock.py":
                continue
            text = path.read_text()
            for needle in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time()"):
                if needle in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []
