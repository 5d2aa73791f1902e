"""OpenFaaS: GET and HEAD under ``/static/`` never reach the handler, and `bridge build` says so.

The ``python3-http`` template's ``index.py`` makes its app with ``app = Flask(__name__)``
(openfaas/python-flask-template ``template/python3-http/index.py``; the ``-debian`` and
``python3-flask`` variants alike), so Flask's default ``/static/<path:filename>`` rule (GET, HEAD,
for ``/home/app/static``, where the image copies nothing) outranks the template's ``/<path:path>``:
those requests get the template's 404. No template option changes it, so the build warns.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _deploy_fixtures import all_in_one_plan, deployment, make_project

from bridge.deploy import get_target
from bridge.split.routes import Route

flask = pytest.importorskip("flask")

from bridge.emulators.openfaas import template_app  # noqa: E402


def _echo(event, context):
    return {"statusCode": 200, "body": f"handler {event.method} {event.path}"}


def test_get_and_head_under_static_get_the_templates_404_whatever_this_machine_holds(tmp_path, monkeypatch):
    # A static/ directory where the emulation runs is not the image's /home/app/static.
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("body {}")
    monkeypatch.chdir(tmp_path)
    client = template_app(_echo).test_client()
    for method in ("GET", "HEAD"):
        answer = client.open("/static/style.css", method=method)
        assert answer.status_code == 404 and b"handler" not in answer.data
    # The rule takes a filename, and GET and HEAD only: the rest reaches the handler.
    assert client.post("/static/style.css").get_data(as_text=True) == "handler POST /static/style.css"
    assert client.get("/static/").get_data(as_text=True) == "handler GET /static/"
    assert client.get("/assets/style.css").get_data(as_text=True) == "handler GET /assets/style.css"


def _notes(tmp_path: Path, routes):
    dep = deployment(make_project(tmp_path / "p"), all_in_one_plan(), "openfaas", app_routes=routes)
    return get_target("openfaas").notes(dep)


def test_the_build_warns_when_the_app_serves_get_under_static(tmp_path):
    routes = [Route("/", ("GET",)), Route("/static/<path:filename>", ("GET", "HEAD", "OPTIONS"))]
    (warning, *_) = _notes(tmp_path, routes)
    assert warning.startswith("WARNING openfaas") and "/static/<path:filename>" in warning
    assert "python3-http/index.py" in warning and 'static_url_path="/assets"' in warning


@pytest.mark.parametrize(
    "routes",
    [
        [Route("/", ("GET",)), Route("/assets/<path:filename>", ("GET",))],
        [Route("/static/upload", ("POST",))],  # the template's rule takes GET and HEAD only
        [Route("/static/", ("GET",))],  # nor a bare /static/: it needs a filename
    ],
)
def test_no_warning_when_every_route_reaches_the_handler(tmp_path, routes):
    assert not any("WARNING" in note for note in _notes(tmp_path, routes))
