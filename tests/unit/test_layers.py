"""The layering of CONVENTIONS.md (import-linter contracts) and the one source of time."""
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_the_import_contracts_hold():
    """The layers of CONVENTIONS.md, the order of the service rooms and the absence of import circles,
    as import-linter contracts (.importlinter): a broken one fails here with import-linter's report."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache", "--config", str(ROOT / ".importlinter")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


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
