"""Running `bridge deploy/status/manage/remove` in the test process, on a copy of a sample.

The commands load the sample's app (to plan its routes) as `bridge build` does: from the project
directory, made the working directory and put on ``sys.path``. :class:`SampleProject` gives each
test its own copy and puts the working directory, ``sys.path`` and the imported sample modules back
afterwards, so tests do not see each other's app.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

from bridge.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class SampleProject:
    def __init__(
        self, sample: str, root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.root = root / sample
        shutil.copytree(
            EXAMPLES / sample,
            self.root,
            ignore=shutil.ignore_patterns("__pycache__", "build", ".ruff_cache", "instance", "tests"),
        )
        self.capsys = capsys
        # The copy's modules, not a same-named module another test imported (put back afterwards).
        tops = {
            path.stem
            for path in self.root.iterdir()
            if path.suffix == ".py" or (path / "__init__.py").exists()
        }
        for name in list(sys.modules):
            if name.split(".", 1)[0] in tops:
                monkeypatch.delitem(sys.modules, name)

    def run(self, *argv: str) -> Tuple[int, str, str]:
        """``bridge ARGV --project <copy>``: exit code, stdout, stderr."""
        args: List[str] = list(argv)
        at = args.index("--") if "--" in args else len(args)
        args[at:at] = ["--project", str(self.root)]
        self.capsys.readouterr()
        code = main(args)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


def set_cleanup(sample: SampleProject, line: str) -> None:
    """Replace the todo sample's ``cleanup = ...`` schedule (an empty ``line`` removes the job)."""
    path = sample.root / "bridge.toml"
    text = path.read_text(encoding="utf-8")
    old = next(row for row in text.splitlines() if row.startswith("cleanup = "))
    text = text.replace(old, line)
    if not line:
        text = text.replace("[schedules]\n", "")
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def sample_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """A factory: ``sample_project("flask_todo")`` copies the sample; everything is put back after."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'todo.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    saved_path = list(sys.path)
    saved_modules = set(sys.modules)
    saved_environ = dict(os.environ)
    yield lambda sample: SampleProject(sample, tmp_path, capsys, monkeypatch)
    sys.path[:] = saved_path
    for name in set(sys.modules) - saved_modules:
        module = sys.modules[name]
        if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]
    # Django's settings module and the like, set by loading a sample.
    for key in set(os.environ) - set(saved_environ):
        monkeypatch.delenv(key, raising=False)
