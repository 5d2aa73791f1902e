"""Issue 9 item 8: `bridge plan` and `bridge build` say when a Django project's static files would
answer 404 once deployed (no WhiteNoise, or nothing collected), and what to do."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from _serving import child_env

DJANGO_SITE = Path(__file__).resolve().parent / "apps" / "django_site"


def plan_notes(tmp_path: Path, settings_tail: str) -> list:
    project = tmp_path / "site"
    shutil.copytree(DJANGO_SITE, project, ignore=shutil.ignore_patterns("__pycache__"))
    (project / "bridge.toml").write_text('django = "site_conf.settings"\nname = "shop"\n')
    with open(project / "site_conf" / "settings.py", "a") as settings:
        settings.write(settings_tail)
    result = subprocess.run(
        [sys.executable, "-m", "bridge", "plan", "--project", str(project), "--json"],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["notes"]


def test_admin_static_files_without_whitenoise_are_flagged_with_what_to_do(tmp_path: Path) -> None:
    notes = [note for note in plan_notes(tmp_path, 'STATIC_URL = "/static/"\n') if "static" in note]
    assert len(notes) == 1
    assert (
        "/static/... will answer 404" in notes[0]
        and "WhiteNoise" in notes[0]
        and "object storage" in notes[0]
    )
    assert "https://whitenoise.readthedocs.io/" in notes[0]


def test_whitenoise_without_collected_files_asks_for_collectstatic(tmp_path: Path) -> None:
    tail = (
        'STATIC_URL = "/static/"\nSTATIC_ROOT = "/nonexistent/staticfiles"\n'
        'MIDDLEWARE = ["whitenoise.middleware.WhiteNoiseMiddleware"] + MIDDLEWARE\n'
    )
    notes = [note for note in plan_notes(tmp_path, tail) if "static" in note]
    assert len(notes) == 1 and "collectstatic" in notes[0]


def test_static_files_on_a_cdn_need_nothing(tmp_path: Path) -> None:
    notes = plan_notes(tmp_path, 'STATIC_URL = "https://cdn.example.com/static/"\n')
    assert not [note for note in notes if "static" in note.lower()]
