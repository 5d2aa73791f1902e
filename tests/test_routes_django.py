"""``bridge routes`` on Django: the resolver tree with include, namespaces, path converters,
re_path regexes, i18n_patterns, the admin, and the methods views declare.

Django's settings are process-wide, so each project is listed by the CLI in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from bridge.split.routes import Route, route_for

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(__file__).parent / "apps" / "django_site"
BLOG = ROOT / "examples" / "django_blog"
ANY = None


def bridge_routes(target: str, directory: Path) -> List[Route]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "routes", target, "--chdir", str(directory), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(ROOT),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [Route.from_dict(d) for d in json.loads(done.stdout)]


def rows(routes):
    return [(r.methods, r.path, r.endpoint, r.module, r.group_hint, r.notes) for r in routes]


@pytest.fixture(scope="module")
def site_routes():
    return bridge_routes("site_conf.settings", SITE)


def test_django_routes_are_listed_in_resolution_order_outside_the_admin(site_routes):
    outside_admin = [r for r in site_routes if not r.path.startswith("/admin/")]
    assert rows(outside_admin) == [
        (ANY, "/healthz", "healthz", "site_conf.urls", None, ()),
        (
            ("GET", "HEAD", "OPTIONS", "POST"),
            "/shop/products/",
            "shop:products:list",
            "shop.views",
            "shop",
            (),
        ),
        (("DELETE", "GET"), "/shop/products/{pk:int}/", "shop:products:detail", "shop.views", "shop", ()),
        (("GET",), "/shop/archive/{year}/{slug}/", "shop:archive", "shop.views", "shop", ()),
        (ANY, "/shop/search", "shop.views.search", "shop.views", "shop", ()),
        (
            ("GET", "HEAD", "OPTIONS"),
            "/{language}/about/",
            "about",
            "shop.views",
            "shop",
            ("i18n: language prefix (en, fr); none for en",),
        ),
        (ANY, "/legacy/{rest:path}", "legacy", "site_conf.urls", None, ()),
    ]


def test_re_path_and_i18n_routes_keep_the_regex_django_matches(site_routes):
    by_name = {r.endpoint: r for r in site_routes}
    # Django fullmatches an endpoint regex ending in "$": no final newline, so "\Z".
    assert by_name["shop:archive"].regex == r"^/shop/archive/(?P<year>[0-9]{4})/(?P<slug>[-\w]+)/\Z"
    assert by_name["about"].regex == r"^/(?:(?:fr)/)?about/\Z"
    assert by_name["about"].matches_path("/about/") and by_name["about"].matches_path("/fr/about/")
    assert not by_name["about"].matches_path("/de/about/")
    assert by_name["legacy"].matches_path("/legacy/a/b")


def test_the_admin_is_listed_under_its_namespace(site_routes):
    admin = [r for r in site_routes if r.path.startswith("/admin/")]
    assert rows(admin[:3]) == [
        (ANY, "/admin/", "admin:index", "django.contrib.admin.sites", "admin", ()),
        (ANY, "/admin/login/", "admin:login", "django.contrib.admin.sites", "admin", ()),
        (ANY, "/admin/logout/", "admin:logout", "django.contrib.admin.sites", "admin", ()),
    ]
    assert {r.group_hint for r in admin} == {"admin"}
    assert admin[-1].endpoint == "django.contrib.admin.sites.AdminSite.catch_all_view"
    assert admin[-1].path == "/admin/{url:path}"


def test_django_resolves_by_path_first_so_a_wrong_method_stays_with_the_view(site_routes):
    assert route_for(site_routes, "/shop/products/7/", "POST").endpoint == "shop:products:detail"
    assert route_for(site_routes, "/shop/products/x/", "GET") is None


@pytest.mark.skipif(
    not (BLOG / "blog_site" / "settings.py").exists(), reason="examples/django_blog not there yet"
)
def test_bridge_routes_on_the_django_blog_sample():
    routes = bridge_routes("blog_site.settings", BLOG)
    outside_admin = [r for r in routes if not r.path.startswith("/admin/")]
    assert rows(outside_admin) == [
        (
            ("GET", "HEAD", "OPTIONS", "POST", "PUT"),
            "/accounts/login/",
            "login",
            "django.contrib.auth.views",
            "auth",
            (),
        ),
        (("OPTIONS", "POST"), "/accounts/logout/", "logout", "django.contrib.auth.views", "auth", ()),
        (
            ("GET", "HEAD", "OPTIONS", "POST", "PUT"),
            "/accounts/password_change/",
            "password_change",
            "django.contrib.auth.views",
            "auth",
            (),
        ),
        (
            ("GET", "HEAD", "OPTIONS"),
            "/accounts/password_change/done/",
            "password_change_done",
            "django.contrib.auth.views",
            "auth",
            (),
        ),
        (
            ("GET", "HEAD", "OPTIONS", "POST", "PUT"),
            "/accounts/password_reset/",
            "password_reset",
            "django.contrib.auth.views",
            "auth",
            (),
        ),
        (
            ("GET", "HEAD", "OPTIONS"),
            "/accounts/password_reset/done/",
            "password_reset_done",
            "django.contrib.auth.views",
            "auth",
            (),
        ),
        (
            ("GET", "HEAD", "OPTIONS", "POST", "PUT"),
            "/accounts/reset/{uidb64}/{token}/",
            "password_reset_confirm",
            "django.contrib.auth.views",
            "auth",
            (),
        ),
        (
            ("GET", "HEAD", "OPTIONS"),
            "/accounts/reset/done/",
            "password_reset_complete",
            "django.contrib.auth.views",
            "auth",
            (),
        ),
        (("GET", "HEAD", "OPTIONS"), "/", "blog:post_list", "blog.views", "blog", ()),
        (("GET", "POST"), "/posts/{slug:slug}/", "blog:post_detail", "blog.views", "blog", ()),
    ]
    admin = [r for r in routes if r.path.startswith("/admin/")]
    assert admin[0].endpoint == "admin:index"
    assert {"/admin/blog/post/", "/admin/blog/comment/"} <= {r.path for r in admin}
    assert {r.group_hint for r in admin} == {"admin"}
