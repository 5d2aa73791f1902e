"""``bridge check``: every gallery hazard found at its line with its severity, nothing on the samples.

The gallery (tests/apps/check_gallery/) marks each expected finding with a ``# check: RULE``
comment on its line; the tests require exactly those findings. The probe imports each app for
real in a child process with the code read-only, so these tests also prove the probe.
"""

from __future__ import annotations

import ast
import errno
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Set, Tuple

import pytest

from bridge.check.assessment import assess
from bridge.check.code_checks import ModuleChecks
from bridge.check.findings import Finding, ordered
from bridge.check.import_profile import parse_importtime
from bridge.check.platform_facts import facts_for
from bridge.check.probe import CODE, run_probe
from bridge.check.settings_checks import SettingsChecks
from bridge.cli import main

REPO = Path(__file__).resolve().parent.parent
GALLERY = REPO / "tests" / "apps" / "check_gallery"
EXAMPLES = REPO / "examples"
NO_BUDGET = 1e9  # cold-start timing is machine-dependent: only test_cold_start_over_budget judges it

# app directory -> (target, severity of each rule it must report)
CASES: Dict[str, Tuple[str, Dict[str, str]]] = {
    "write_next_to_code": ("app:app", {"write-outside-tmp": "breaks"}),
    "write_at_import": ("app:app", {"write-outside-tmp": "breaks"}),
    "sqlite_next_to_code": ("app:app", {"sqlite-file": "breaks", "write-outside-tmp": "breaks"}),
    "log_file": ("app:app", {"log-file": "breaks", "write-outside-tmp": "breaks"}),
    "module_state": ("app:app", {"module-state": "risky"}),
    "thread_at_import": ("app:app", {"background-thread": "risky", "thread-at-import": "risky"}),
    "celery_beat": ("app:app", {"scheduler": "breaks"}),
    "task_not_awaited": ("app:app", {"task-not-awaited": "risky"}),
    "sleep_in_request": ("app:app", {"sleep-in-request": "cost"}),
    "websocket_route": ("app:app", {"websocket-route": "breaks"}),
    "secret_key": ("app:app", {"secret-in-code": "risky"}),
    "upload_folder": ("app:app", {"upload-folder": "breaks", "uploads-body-limit": "risky"}),
    "django_debug": ("site_conf.settings", {"debug-on": "risky"}),
    "django_no_hosts": ("site_conf.settings", {"allowed-hosts": "breaks"}),
    "django_file_sessions": ("site_conf.settings", {"file-store": "breaks"}),
    "django_sqlite": ("site_conf.settings", {"sqlite-file": "breaks"}),
    "django_file_cache": ("site_conf.settings", {"file-store": "breaks"}),
    "flask_file_sessions": ("app:app", {"file-store": "breaks"}),
    "clean": ("app:app", {}),
}


def marked(app_dir: Path) -> Set[Tuple[str, int, str]]:
    """``(file, line, rule)`` of every ``# check: RULE[, RULE]`` comment in the app."""
    expected = set()
    for path in sorted(app_dir.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = re.search(r"# check: (.+)$", line)
            if match:
                for rule in match.group(1).split(","):
                    expected.add((path.relative_to(app_dir).as_posix(), number, rule.strip()))
    return expected


def found(assessment) -> Set[Tuple[str, int, str]]:
    return {(f.file, f.line, f.rule) for f in assessment.findings}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gallery_hazard_found_at_its_line_with_its_severity(name: str) -> None:
    target, severities = CASES[name]
    app_dir = GALLERY / name
    assessment = assess(app_dir, target, platform="aws", budget=NO_BUDGET)
    assert found(assessment) == marked(app_dir), [f.as_dict() for f in assessment.findings]
    for finding in assessment.findings:
        assert finding.severity == severities[finding.rule], finding
        assert finding.docs.startswith("https://")
    assert assessment.breaks == ("breaks" in severities.values())


def test_server_started_at_import_is_found_statically_and_the_import_hangs() -> None:
    app_dir = GALLERY / "server_at_import"
    assessment = assess(app_dir, "app:app", platform="fc", budget=NO_BUDGET, timeout=5)
    assert found(assessment) == marked(app_dir) | {("app.py", 0, "import-hangs")}
    assert {f.severity for f in assessment.findings} == {"breaks"}
    assert assessment.probe is not None and assessment.probe.timed_out


@pytest.mark.parametrize("platform", ["fc", "scf", "aws"])
@pytest.mark.parametrize(
    "sample, sqlite_setting",
    [
        ("flask_todo", ("todo/__init__.py", 'app.config["SQLALCHEMY_DATABASE_URI"] =')),
        ("django_blog", ("blog_site/settings.py", "DATABASES =")),
    ],
)
def test_samples_report_nothing_that_breaks(
    sample: str, sqlite_setting: Tuple[str, str], platform: str
) -> None:
    from bridge.project import load_project

    project = load_project(EXAMPLES / sample)
    assessment = assess(
        project.root,
        project.app,
        platform=platform,
        project=project,
        environment=project.environment,
        budget=NO_BUDGET,
    )
    assert not assessment.breaks
    assert assessment.probe is not None and assessment.probe.imported and assessment.probe.read_only
    # The one fair note: with the code read-only both fall back to SQLite in the temp dir.
    file, text = sqlite_setting
    line = next(i for i, row in enumerate((project.root / file).read_text().splitlines(), 1) if text in row)
    assert [(f.file, f.line, f.severity) for f in assessment.findings if f.rule == "sqlite-per-instance"] == [
        (file, line, "risky")
    ]
    # Both serve their static files from the app (Flask's static folder, WhiteNoise): a cost, true.
    assert {f.rule for f in assessment.findings} == {"sqlite-per-instance", "static-files"}


def test_probe_sees_a_write_next_to_the_code_at_import() -> None:
    app_dir = GALLERY / "write_at_import"
    result = run_probe(app_dir, ["app.py"], "app:app", {}, timeout=60)
    assert not result.imported and result.read_only
    assert result.error["errno"] in (errno.EACCES, errno.EROFS, errno.EPERM)
    assert result.where(result.error["filename"]) == CODE
    assert (result.error["file"], result.error["line"]) == ("app.py", 8)
    assert any(
        w["file"] == "app.py" and w["line"] == 8 and result.where(w["path"]) == CODE for w in result.writes
    )
    findings = SettingsChecks(result, facts_for("scf"), app_dir, ["app.py"], "app.py", NO_BUDGET).run()
    assert [(f.rule, f.severity, f.location) for f in findings] == [
        ("write-outside-tmp", "breaks", "app.py:8")
    ]
    assert "/tmp (512 MB)" in findings[0].why


def test_probe_sees_a_thread_started_at_import() -> None:
    app_dir = GALLERY / "thread_at_import"
    result = run_probe(app_dir, ["app.py"], "app:app", {}, timeout=60)
    assert result.imported
    assert [(t["name"], t["file"], t["line"], t["daemon"]) for t in result.threads] == [
        ("flusher", "app.py", 18, True)
    ]


def test_probe_writes_to_the_temp_dir_are_allowed_and_recorded() -> None:
    result = run_probe(GALLERY / "clean", ["app.py"], "app:app", {}, timeout=60)
    assert result.imported
    places = {(w["file"], w["line"], result.where(w["path"])) for w in result.writes}
    assert {("app.py", 12, "tmp"), ("app.py", 13, "tmp")} <= places  # os.makedirs, open(..., "w")
    # The app's own probe next to the code was tried, failed (read-only), was handled, created nothing.
    assert ("app.py", 21, "code") in places
    assert result.new_code_files == []


def test_cold_start_over_budget_names_the_slowest_import() -> None:
    assessment = assess(GALLERY / "websocket_route", "app:app", platform="aws", budget=0.0)
    cold = [f for f in assessment.findings if f.rule == "cold-start"]
    assert len(cold) == 1 and cold[0].severity == "cost"
    slowest = assessment.probe.profile.top(1)[0][0]
    assert slowest in cold[0].why


def test_project_environment_is_applied_but_deploy_references_are_not() -> None:
    from bridge.project import load_project

    project = load_project(EXAMPLES / "django_blog")
    assessment = assess(
        project.root,
        project.app,
        platform="aws",
        project=project,
        environment=project.environment,
        budget=NO_BUDGET,
    )
    # DJANGO_DEBUG = "0" in bridge.toml turns the settings' development default off.
    assert assessment.probe.django["DEBUG"] is False
    assert all(assessment.probe.django["hosts_allowed"].values())


# --- static rules on snippets (the ones the gallery cannot import without extra packages) ----


def static(source: str, relative: str = "app.py", platform: str = "aws"):
    return ModuleChecks(relative, ast.parse(source), facts_for(platform)).run()


@pytest.mark.parametrize(
    "source, rule, severity, line",
    [
        (
            "from apscheduler.schedulers.background import BackgroundScheduler\ns = BackgroundScheduler()\n",
            "scheduler",
            "breaks",
            2,
        ),
        ("import schedule\nschedule.every(10).minutes\n", "scheduler", "breaks", 2),
        (
            "from concurrent.futures import ThreadPoolExecutor\npool = ThreadPoolExecutor(4)\n",
            "background-thread",
            "risky",
            2,
        ),
        ("import sqlite3\ndef get():\n    return sqlite3.connect('data.db')\n", "sqlite-file", "breaks", 3),
        ("import sqlite3\nc = sqlite3.connect('/tmp/x.db')\n", "sqlite-per-instance", "risky", 2),
        ("URL = 'sqlite:////var/data/app.db'\n", "sqlite-file", "breaks", 1),
        (
            "LOGGING = {'handlers': {'f': {\n 'class': 'logging.FileHandler', 'filename': 'debug.log'}}}\n",
            "log-file",
            "breaks",
            1,
        ),
        ("import logging\nlogging.basicConfig(filename='/var/log/app.log')\n", "log-file", "breaks", 2),
        ("COUNT = 0\ndef hit():\n    global COUNT\n    COUNT += 1\n", "module-state", "risky", 1),
        ("SEEN = set()\ndef see(x):\n    SEEN.add(x)\n", "module-state", "risky", 1),
        ("def save(name, data):\n    open(name, 'wb').write(data)\n", "write-outside-tmp", "risky", 2),
        (
            "from pathlib import Path\nBASE = Path(__file__).parent\n(BASE / 'out').mkdir()\n",
            "write-outside-tmp",
            "breaks",
            3,
        ),
        ("import os\nos.makedirs('media/uploads', exist_ok=True)\n", "write-outside-tmp", "breaks", 2),
        ("app.config.update(SECRET_KEY='abc')\n", "secret-in-code", "risky", 1),
        ("SECRET_KEY = 'django-insecure-abc'\n", "secret-in-code", "risky", 1),
        ("DEBUG = True\n", "debug-on", "risky", 1),
        (
            "import asyncio\nasync def f():\n    t = asyncio.ensure_future(g())\n    return 1\n",
            "task-not-awaited",
            "risky",
            3,
        ),
        ("import uvicorn\nuvicorn.run('main:app')\n", "server-at-import", "breaks", 2),
        ("import time\ndef index(request):\n    time.sleep(1)\n", "sleep-in-request", "cost", 3),
        (
            "def upload(request):\n    f = request.FILES['doc']\n    g = request.FILES['other']\n",
            "uploads-body-limit",
            "risky",
            2,
        ),
        (
            "from fastapi import UploadFile\nasync def up(file: UploadFile):\n    pass\n",
            "uploads-body-limit",
            "risky",
            2,
        ),
    ],
)
def test_static_rule(source: str, rule: str, severity: str, line: int) -> None:
    relative = "views.py" if rule == "sleep-in-request" else "app.py"
    findings = static(source, relative)
    assert [(f.rule, f.severity, f.line) for f in findings] == [(rule, severity, line)]


@pytest.mark.parametrize(
    "source",
    [
        "import tempfile, os\nopen(os.path.join(tempfile.gettempdir(), 'x'), 'w')\n",
        "with open('/tmp/cache', 'a') as f:\n    pass\n",
        "import os\nd = os.environ.get('TMPDIR', '/tmp')\nos.makedirs(d)\n",
        "try:\n    open('probe', 'w')\nexcept PermissionError:\n    pass\n",
        "open('settings.json').read()\nopen('data.bin', 'rb')\n",
        "import asyncio\nasync def f():\n    t = asyncio.create_task(g())\n    await t\n",
        "import asyncio\nasync def f():\n    await asyncio.gather(asyncio.create_task(g()))\n",
        "from concurrent.futures import ThreadPoolExecutor\n"
        "def f():\n    with ThreadPoolExecutor() as p:\n        p.map(g, [])\n",
        "if __name__ == '__main__':\n    app.run(debug=True)\n",
        "import subprocess\nsubprocess.run(['true'])\n",
        "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nDEV_SECRET_KEY = 'not-a-secret'\n",
        "ROUTES = {'a': 1}\ndef get(k):\n    return ROUTES[k]\n",
        "CACHE = {}\ndef f():\n    CACHE = {}\n    CACHE['x'] = 1\n",
        "import time\ndef warm():\n    time.sleep(1)\n",
        "BASE = 'sqlite:///'\n",
    ],
)
def test_static_rules_stay_quiet_on_safe_code(source: str) -> None:
    assert static(source) == []


def test_static_check_names_the_platform_it_judges_for() -> None:
    (fc,) = static("open('out.txt', 'w')\n", platform="fc")
    (aws,) = static("open('out.txt', 'w')\n", platform="aws")
    assert "/code" in fc.title and "alibabacloud.com" in fc.docs
    assert "/var/task" in aws.title and "docs.aws.amazon.com" in aws.docs


def test_sleep_on_aws_names_the_api_gateway_timeout() -> None:
    (finding,) = static("import time\n@app.get('/')\ndef index():\n    time.sleep(1)\n")
    assert "29 s" in finding.why


# --- the pieces ---------------------------------------------------------------------------


def test_importtime_profile_from_cpython_itself() -> None:
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import json, decimal"],
        capture_output=True,
        text=True,
        check=True,
    )
    profile = parse_importtime(completed.stderr.splitlines())
    assert profile.modules > 3 and profile.total_us > 0
    assert "json" in profile.by_package and "decimal" in profile.by_package
    assert profile.total_us == sum(profile.by_package.values())


def test_findings_are_ordered_worst_first_and_deduplicated() -> None:
    def make(severity: str, rule: str, line: int) -> Finding:
        return Finding(severity, rule, "a.py", line, "t", "w", "f", "https://example.com")

    result = ordered(
        [make("cost", "c", 1), make("breaks", "b", 9), make("breaks", "b", 9), make("risky", "r", 2)]
    )
    assert [(f.severity, f.line) for f in result] == [("breaks", 9), ("risky", 2), ("cost", 1)]
    with pytest.raises(ValueError):
        make("fatal", "x", 1)


# --- the command --------------------------------------------------------------------------


def test_cli_exits_1_when_something_breaks_and_prints_json(capsys: pytest.CaptureFixture) -> None:
    code = main(["check", "app:app", "--chdir", str(GALLERY / "celery_beat"), "--json", "--budget", "1000"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["breaks"] is True
    assert [(f["rule"], f["severity"], f["file"], f["line"]) for f in report["findings"]] == [
        ("scheduler", "breaks", "app.py", 6)
    ]
    assert report["import"]["imported"] is True and report["import"]["read_only"] is True


def test_cli_exits_0_on_the_sample_and_groups_text_by_severity(capsys: pytest.CaptureFixture) -> None:
    code = main(["check", "--project", str(EXAMPLES / "flask_todo"), "--platform", "scf", "--budget", "1000"])
    out = capsys.readouterr().out
    assert code == 0
    assert "BREAKS" not in out and "RISKY" in out and "summary: 0 breaks, 1 risky, 1 cost" in out
    assert out.index("RISKY") < out.index("COST")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "app:app", "--project", "."], "not both"),
        (["check", "--chdir", "."], "--chdir goes with a TARGET"),
        (["check", "--project", str(GALLERY / "clean")], "no project definition"),
        (["check", "app:app", "--chdir", str(GALLERY / "missing")], "no such directory"),
        (["check", "nothing:app", "--chdir", str(GALLERY / "clean")], "no module 'nothing'"),
    ],
)
def test_cli_usage_errors_exit_2(argv, message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_the_handler_never_imports_the_check() -> None:
    code = (
        "import sys, bridge; from bridge import Bridge; Bridge(lambda environ, start_response: [])\n"
        "assert not [m for m in sys.modules if m.startswith('bridge.check')], sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(REPO))


def test_cli_static_only(capsys: pytest.CaptureFixture) -> None:
    # The empty ALLOWED_HOSTS shows only in the loaded settings: static checks alone find nothing.
    code = main(["check", "site_conf.settings", "--chdir", str(GALLERY / "django_no_hosts"), "--no-import"])
    out = capsys.readouterr().out
    assert code == 0 and "not probed" in out and "no hazards found" in out
