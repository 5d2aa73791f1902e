"""The route guard accepts exactly what the framework routes (issue 14 item 8).

For a Flask, a Django and a Starlette app with a route per converter (and a catch-all ``str``
route beside each, so a converter that is too strict or too loose sends the request to another
function), every route is its own function behind its guard. On generated paths, the judge is
the framework's own router: Werkzeug's ``MapAdapter.match``, Django's ``resolve`` and the
Starlette app itself. The function whose route the framework picks must serve the request; no
other function may.
"""

from __future__ import annotations

import asyncio
import sys
import types
import uuid
from typing import Dict, List
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bridge.split.guard import RouteGuard
from bridge.split.routes import Route, discover_routes

UUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
SEGMENTS = [
    "items", "f", "u", "p", "about", "s", "edit", "slug", "r", "",
    "1", "0042", "١", "١٢", "０", "²", "٣.٥", "1.5", "1.", ".5", "-1", "2024", "a", "A-b_c", "é",
    "x\n", "\n", "1\n", UUID, UUID.upper(), UUID.replace("-", ""), UUID[:-1] + "G", "..", "%41",
]  # fmt: skip
segment = st.one_of(
    st.sampled_from(SEGMENTS),
    st.text(alphabet="0123456789١٢٣०０aZf-_.\né%", min_size=1, max_size=6),
)
request_paths = st.builds(
    lambda lead, parts, trail: lead + "/".join(parts) + trail,
    st.sampled_from(["/", "/", "/", "//"]),
    st.lists(segment, min_size=0, max_size=4),
    st.sampled_from(["", "", "/", "\n"]),
)

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def guards_of(routes: List[Route]) -> Dict[str, RouteGuard]:
    """Each route its own function, guarded as a split deploys it (knowing every route)."""
    return {
        route.endpoint: RouteGuard(object(), [route], route.endpoint, app_routes=routes, interface="wsgi")
        for route in routes
    }


def assert_guards_agree(guards: Dict[str, RouteGuard], path: str, owner: str | None) -> None:
    serving = sorted(name for name, guard in guards.items() if guard.serves(path, "GET"))
    assert serving == ([owner] if owner is not None else []), f"{path!r}: app routes to {owner}"


# -- Flask / Werkzeug -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flask_app():
    flask = pytest.importorskip("flask")
    app = flask.Flask("guard_frameworks")
    rules = {
        "item_by_id": "/items/<int:id>",
        "item_by_name": "/items/<name>",
        "by_float": "/f/<float:x>",
        "float_fallback": "/f/<x>",
        "by_uuid": "/u/<uuid:u>",
        "uuid_fallback": "/u/<u>",
        "by_path": "/p/<path:rest>",
        "edit": "/s/<string:s>/edit",
        "about": "/about/",
        "index": "/",
    }
    for endpoint, rule in rules.items():
        app.add_url_rule(rule, endpoint, lambda **_: "")
    return app


def werkzeug_owner(app, path: str) -> str | None:
    """The endpoint Werkzeug gives ``path``, following its own redirects (slashes)."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    from werkzeug.routing import RequestRedirect

    adapter = app.url_map.bind("localhost")
    for _ in range(4):
        try:
            rule, _ = adapter.match(path, "GET", return_rule=True)
        except RequestRedirect as redirect:
            path = unquote(urlsplit(redirect.new_url).path)
            continue
        except (NotFound, MethodNotAllowed):
            return None
        return None if rule.endpoint == "static" else rule.endpoint
    return None


@PROPERTY
@given(path=request_paths)
@example(path="/items/١")
@example(path="//items/1")
@example(path="/items//1")
@example(path="//about")
def test_the_guard_agrees_with_werkzeug(flask_app, path):
    routes = [r for r in discover_routes(flask_app) if r.endpoint != "static"]
    assert_guards_agree(guards_of(routes), path, werkzeug_owner(flask_app, path))


def test_a_unicode_digit_reaches_the_int_route_and_only_it_on_flask(flask_app):
    guards = guards_of([r for r in discover_routes(flask_app) if r.endpoint != "static"])
    # Werkzeug's int is \d+, and int("١") == 1: the request is item_by_id's.
    assert werkzeug_owner(flask_app, "/items/١") == "item_by_id"
    assert guards["item_by_id"].serves("/items/١", "GET")
    assert not guards["item_by_name"].serves("/items/١", "GET")
    assert guards["by_float"].serves("/f/١.٥", "GET")


def test_paths_werkzeug_serves_with_leading_or_doubled_slashes_pass_the_guard(flask_app):
    guards = guards_of([r for r in discover_routes(flask_app) if r.endpoint != "static"])
    assert guards["item_by_id"].serves("//items/1", "GET")  # matched as /items/1
    assert guards["item_by_id"].serves("/items//1", "GET")  # redirected to /items/1
    assert guards["about"].serves("//about", "GET")  # redirected to /about/


# -- Django ---------------------------------------------------------------------------------------

DJANGO_URLCONF = "guard_frameworks_urls"


@pytest.fixture(scope="module")
def django_urlconf():
    pytest.importorskip("django")
    import django
    from django.conf import settings as django_settings
    from django.urls import path, re_path

    if not django_settings.configured:
        django_settings.configure(DEBUG=False, SECRET_KEY="guard", INSTALLED_APPS=[], DATABASES={})
    django.setup()

    def view(request, **kwargs):  # pragma: no cover - never called
        return None

    module = types.ModuleType(DJANGO_URLCONF)
    module.urlpatterns = [
        path("items/<int:id>", view, name="item_by_id"),
        path("items/<str:name>", view, name="item_by_name"),
        path("slug/<slug:s>", view, name="by_slug"),
        path("slug/<str:s>", view, name="slug_fallback"),
        path("u/<uuid:u>", view, name="by_uuid"),
        path("u/<str:u>", view, name="uuid_fallback"),
        path("p/<path:rest>", view, name="by_path"),
        re_path(r"^r/(?P<year>[0-9]{4})/$", view, name="by_year"),
        path("s/<str:s>/edit", view, name="edit"),
        path("", view, name="index"),
    ]
    sys.modules[DJANGO_URLCONF] = module
    yield DJANGO_URLCONF
    sys.modules.pop(DJANGO_URLCONF, None)


def django_owner(path: str) -> str | None:
    from django.urls import Resolver404, resolve

    try:
        return resolve(path, urlconf=DJANGO_URLCONF).url_name
    except Resolver404:
        return None


def django_routes() -> List[Route]:
    from bridge.split.discovery import django as discovery

    return discovery.discover(urlconf=DJANGO_URLCONF)


@PROPERTY
@given(path=request_paths)
@example(path=f"/u/{UUID.upper()}")
@example(path="/items/١")
@example(path="/r/2024/\n")
def test_the_guard_agrees_with_django(django_urlconf, path):
    assert_guards_agree(guards_of(django_routes()), path, django_owner(path))


def test_django_converters_are_django_s_own(django_urlconf):
    guards = guards_of(django_routes())
    # Django's uuid is lower-case only, its int ASCII digits only: those go to the str routes.
    assert not guards["by_uuid"].serves(f"/u/{UUID.upper()}", "GET")
    assert guards["uuid_fallback"].serves(f"/u/{UUID.upper()}", "GET")
    assert guards["item_by_name"].serves("/items/١", "GET")
    assert not guards["item_by_id"].serves("/items/١", "GET")
    # A re_path ending in $ is matched whole: no final newline.
    assert not guards["by_year"].serves("/r/2024/\n", "GET")


# -- Starlette ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def starlette_app():
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route as StarletteRoute

    def named(name: str):
        async def endpoint(request):
            return PlainTextResponse(name)

        return StarletteRoute(paths[name], endpoint, name=name)

    paths = {
        "item_by_id": "/items/{id:int}",
        "item_by_name": "/items/{name}",
        "by_float": "/f/{x:float}",
        "float_fallback": "/f/{x}",
        "by_uuid": "/u/{u:uuid}",
        "uuid_fallback": "/u/{u}",
        "by_path": "/p/{rest:path}",
        "edit": "/s/{s}/edit",
        "about": "/about/",
        "index": "/",
    }
    return Starlette(routes=[named(name) for name in paths])


def starlette_owner(app, path: str) -> str | None:
    """The route that answers ``path``: the app is called, and its slash redirect followed."""
    for _ in range(2):
        status, body = asyncio.run(_call(app, path))
        if status == 200:
            return body.decode()
        if status not in (307, 308):
            return None
        # Router.redirect_slashes: the same path with its trailing slash toggled.
        path = path.rstrip("/") if path.endswith("/") else path + "/"
    return None


async def _call(app, path: str):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@PROPERTY
@given(path=request_paths)
@example(path="/items/1\n")
@example(path=f"/u/{UUID.replace('-', '').upper()}")
@example(path="/items/١")
def test_the_guard_agrees_with_starlette(starlette_app, path):
    assert_guards_agree(guards_of(discover_routes(starlette_app)), path, starlette_owner(starlette_app, path))


def test_starlette_converters_and_anchor_are_starlette_s_own(starlette_app):
    guards = guards_of(discover_routes(starlette_app))
    # compile_path ends with "$", which takes a final newline; its uuid takes any case, no hyphens.
    assert guards["item_by_id"].serves("/items/1\n", "GET")
    assert guards["by_uuid"].serves("/u/" + uuid.UUID(UUID).hex.upper(), "GET")
    assert not guards["item_by_id"].serves("/items/١", "GET")
    assert guards["item_by_name"].serves("/items/١", "GET")
