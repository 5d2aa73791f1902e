"""``--default-domain``: the function sees the platform's default domain, on every platform
(issue 9 item 7), so ``ALLOWED_HOSTS``, CSRF ``Origin`` and absolute-URL problems show locally.

The requests go through each platform's emulator into the real handler (``Bridge``), and the app
reports what it was given.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from _serving import bridge_serve, sample_env

from bridge import Bridge
from bridge.emulators import PLATFORM_NAMES, GatewayRequest, get_emulator

BLOG = Path(__file__).resolve().parent.parent / "examples" / "django_blog"
GATEWAY = "127.0.0.1:9000"

#: Each platform's default domain, and the scheme it is served on.
DEFAULT_DOMAIN = {
    "fc": ("https", r"bridge-function-\d{8}\.cn-hangzhou\.fcapp\.run"),
    "fc2": ("https", r"\d+\.cn-hangzhou\.fc\.aliyuncs\.com"),
    "scf": ("https", r"service-[\w-]+\.gz\.apigw\.tencentcs\.com"),
    "scf-url": ("https", r"\d+-\w+\.ap-guangzhou\.tencentscf\.com"),
    "aws-v1": ("https", r"\w+\.execute-api\.us-east-1\.amazonaws\.com"),
    "aws-v2": ("https", r"\w+\.execute-api\.us-east-1\.amazonaws\.com"),
    "alb": ("http", r"[\w-]+\.us-east-1\.elb\.amazonaws\.com"),
    "huawei": ("https", r"\w+\.apic\.cn-north-4\.huaweicloudapis\.com"),
    "azure": ("https", r"[\w-]+\.azurewebsites\.net"),
    "gcf": ("https", r"[\w-]+-uc\.a\.run\.app"),
    "fn": ("https", r"\w+\.apigateway\.us-ashburn-1\.oci\.customer-oci\.com"),
}
#: Self-hosted: a function answers on the host the operator's ingress gives it.
SELF_HOSTED = ("openwhisk", "openfaas", "fission", "kubeless")
HOSTED = [name for name in PLATFORM_NAMES if name not in SELF_HOSTED]


@pytest.mark.parametrize("platform", SELF_HOSTED)
def test_a_self_hosted_platform_has_no_default_domain_to_emulate(platform):
    from bridge import ConfigError

    with pytest.raises(ConfigError, match="self-hosted"):
        get_emulator(platform, default_domain=True)


def seen_by_the_app(emulator, request: GatewayRequest, location: str = "") -> tuple:
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        headers = [("Content-Type", "text/plain")] + ([("Location", location)] if location else [])
        start_response("302 Found" if location else "200 OK", headers)
        return [b"ok"]

    response = emulator.invoke(Bridge(app), request, request_id="req-1")
    return seen, response


@pytest.mark.parametrize("platform", HOSTED)
def test_the_app_sees_the_platforms_default_domain_and_scheme(platform):
    emulator = get_emulator(platform, default_domain=True, keep_host=True)
    scheme, host_pattern = DEFAULT_DOMAIN[platform]
    request = GatewayRequest(
        "POST",
        emulator.url_prefix + "/form",
        headers=[
            ("Host", GATEWAY),
            ("Origin", f"http://{GATEWAY}"),
            ("Referer", f"http://{GATEWAY}{emulator.url_prefix}/form"),
        ],
    )
    seen, _ = seen_by_the_app(emulator, request)
    assert seen["wsgi.url_scheme"] == scheme
    assert seen["HTTP_HOST"] == emulator.default_host
    assert re.fullmatch(host_pattern, seen["HTTP_HOST"]), seen["HTTP_HOST"]
    # As a browser on the default domain would send them.
    assert seen["HTTP_ORIGIN"] == f"{scheme}://{emulator.default_host}"
    assert seen["HTTP_REFERER"] == f"{scheme}://{emulator.default_host}{emulator.url_prefix}/form"


@pytest.mark.parametrize("platform", HOSTED)
def test_an_absolute_redirect_to_the_default_domain_comes_back_to_the_gateway(platform):
    emulator = get_emulator(platform, default_domain=True, keep_host=True)
    request = GatewayRequest("GET", emulator.url_prefix + "/old", headers=[("Host", GATEWAY)])
    there = f"{emulator.default_scheme}://{emulator.default_host}"
    _, response = seen_by_the_app(emulator, request, location=f"{there}{emulator.url_prefix}/new?a=1")
    assert response.header("location") == f"http://{GATEWAY}{emulator.url_prefix}/new?a=1"


def test_another_sites_origin_is_left_as_it_is():
    emulator = get_emulator("fc", default_domain=True)
    request = GatewayRequest("POST", "/form", headers=[("Host", GATEWAY), ("Origin", "https://evil.example")])
    seen, _ = seen_by_the_app(emulator, request)
    assert seen["HTTP_ORIGIN"] == "https://evil.example"


@pytest.mark.parametrize("platform", ["scf", "aws-v1"])
def test_default_domains_that_carry_a_stage_put_it_in_the_url(platform):
    # SCF API Gateway and AWS REST API default domains always start the path with the stage.
    emulator = get_emulator(platform, default_domain=True)
    assert emulator.url_prefix in ("/release", "/prod")


@pytest.fixture(scope="module")
def blog_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("whitenoise")
    database = tmp_path_factory.mktemp("blog-default-domain") / "blog.sqlite3"
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=str(BLOG),
        env=sample_env(database, DJANGO_DEBUG="0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return database


def test_allowed_hosts_without_the_platform_domain_fail_locally_on_fc_without_a_stage(
    blog_database, tmp_path
):
    # The case: a Django project that allows only local names answers 400 in the cloud;
    # --default-domain shows it on FC, which has no stage.
    database = tmp_path / "blog.sqlite3"
    shutil.copyfile(blog_database, database)
    env = sample_env(database, DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost")
    with bridge_serve("index:handler", "--chdir", str(BLOG), "--platform", "fc", env=env) as gateway:
        assert httpx.get(f"{gateway.url}/", timeout=60).status_code == 200
    args = ("index:handler", "--chdir", str(BLOG), "--platform", "fc", "--default-domain")
    with bridge_serve(*args, env=env) as gateway:
        assert httpx.get(f"{gateway.url}/", timeout=60).status_code == 400
