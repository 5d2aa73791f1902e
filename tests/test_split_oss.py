"""Split plans on the open-source platforms: OpenWhisk, OpenFaaS, Fission, Kubeless and Fn.

Each platform routes a split in its own form: OpenWhisk API Gateway resources (``apis`` in the
wskdeploy manifest), OpenFaaS ``FunctionIngress`` paths (ingress-nginx regexes), Fission
``HTTPTrigger`` s, Kubeless ``HTTPTrigger`` s (an Ingress each, ingress-nginx regexes), Fn trigger
sources. For the Flask todo sample and an app with parametrised
routes, the generated files are checked against the platforms' documented formats, then read
back: every sample request is routed *by the generated file* with that gateway's rule
(:mod:`bridge.split.tables`), and the built package, run as the platform runs it (one process
per function, configured only by what the deploy file gives it), must answer its own routes and
give the route guard's 404 for another function's.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import pytest
import yaml

from bridge.split.tables import GatewayRoute, gateway

ROOT = Path(__file__).resolve().parent.parent
TODO = ROOT / "examples" / "flask_todo"
BLOG = ROOT / "examples" / "django_blog"

pytest.importorskip("flask")

ITEMS_APP = '''\
"""A Flask app with parametrised routes, a path converter and a slash-redirecting route."""

from flask import Flask, url_for

app = Flask(__name__, static_folder=None)


@app.get("/")
def index():
    return "index"


@app.route("/items", methods=["GET", "POST"])
def items():
    return "items"


@app.route("/items/<int:item_id>", methods=["GET", "PUT", "DELETE"])
def item(item_id):
    return "item %d at %s" % (item_id, url_for("item", item_id=item_id))


@app.get("/items/<int:item_id>/tags/<tag>")
def tag(item_id, tag):
    return "tag %s" % tag


@app.get("/files/<path:name>")
def files(name):
    return "file " + name


@app.get("/about/")
def about():
    return "about"


@app.get("/health")
def health():
    return "ok"
'''

#: (method, path, what the app answers) of the items app; ``{root}`` is the app's public mount point.
ITEMS_REQUESTS: List[Tuple[str, str, str]] = [
    ("GET", "/", "index"),
    ("POST", "/items", "items"),
    ("GET", "/items/7", "item 7 at {root}/items/7"),
    ("DELETE", "/items/7", "item 7 at {root}/items/7"),
    ("GET", "/items/7/tags/red", "tag red"),
    ("GET", "/files/a/b.txt", "file a/b.txt"),
    ("GET", "/about/", "about"),
    ("GET", "/health", "ok"),
]

#: What the route guard answers a request for another function's route.
GUARD_404 = "Not Found"

#: (method, path, what the page contains) of the todo sample (its 404s are its own pages).
TODO_REQUESTS: List[Tuple[str, str, str]] = [
    ("GET", "/", "Todo"),
    ("GET", "/health", "ok"),
    ("GET", "/api/todos", "["),
    ("GET", "/api/todos/1", "no todo with id 1"),
    ("GET", "/todos/1/edit", ""),
    ("GET", "/static/style.css", ""),
]


#: (method, path, what the page contains) of the Django blog sample, on an empty database.
BLOG_REQUESTS: List[Tuple[str, str, str]] = [
    ("GET", "/", "</html>"),
    ("GET", "/posts/none/", "Not Found"),
    ("GET", "/accounts/login/", "csrfmiddlewaretoken"),
    ("GET", "/admin/login/", "csrfmiddlewaretoken"),
]


@pytest.fixture
def items_root(tmp_path: Path) -> Path:
    root = tmp_path / "items"
    root.mkdir()
    (root / "items.py").write_text(ITEMS_APP)
    (root / "bridge.toml").write_text('app = "items:app"\nname = "shop"\nruntime = "python3.11"\n')
    return root


@pytest.fixture
def blog_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Dict[str, str]:
    """The blog's settings on a migrated SQLite database, in this process and the functions'."""
    pytest.importorskip("django")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'blog.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "blog_site.settings",
        "DJANGO_SECRET_KEY": "test-only",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "localhost,gw.example",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=BLOG,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return env


def sample(
    name: str, request: pytest.FixtureRequest
) -> Tuple[Path, List[Tuple[str, str, str]], Dict[str, str]]:
    """(project root, requests, the functions' environment) of a sample by name."""
    if name == "items":
        return request.getfixturevalue("items_root"), ITEMS_REQUESTS, {}
    if name == "todo":
        return TODO, TODO_REQUESTS, request.getfixturevalue("todo_env")
    return BLOG, BLOG_REQUESTS, request.getfixturevalue("blog_env")


@pytest.fixture
def todo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Dict[str, str]:
    database = f"sqlite:///{tmp_path / 'todo.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("SECRET_KEY", "test-only")
    return {"DATABASE_URL": database, "SECRET_KEY": "test-only"}


@dataclasses.dataclass
class Built:
    """What `bridge build --split` wrote: the deploy files (path -> text), the package directory,
    the plan's functions, the catch-all among them and what it said on stderr (its notes)."""

    files: Dict[str, str]
    code: Path
    functions: List[str]
    catch_all: str
    stderr: str = ""


def project_copy(root: Path, tmp_path: Path) -> Path:
    """A copy of a sample without its timer job: these platforms get no timer triggers."""
    copy = tmp_path / "project"
    shutil.copytree(
        root, copy, ignore=shutil.ignore_patterns("__pycache__", "build", "instance", "*.sqlite3")
    )
    settings = copy / "bridge.toml"
    settings.write_text(re.sub(r"\n\[schedules\][^\[]*", "\n", settings.read_text()))
    return copy


def bridge_build(
    root: Path, platform: str, tmp_path: Path, split: str, *extra: str
) -> subprocess.CompletedProcess:
    """`bridge build` in a subprocess (the samples import Flask or set up Django: kept out of this
    process), with no dependencies installed: this environment has them."""
    command = [
        "build",
        "--platform",
        platform,
        "--project",
        str(project_copy(root, tmp_path)),
        "--split",
        split,
    ]
    command += ["--runtime", "python3.11", "--no-requirements", "--out", str(tmp_path / "build"), *extra]
    return subprocess.run(
        [sys.executable, "-m", "bridge", *command],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
    )


def split_build(root: Path, platform: str, tmp_path: Path, split: str = "per-route", *extra: str) -> Built:
    done = bridge_build(root, platform, tmp_path, split, *extra)
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "build"
    files = {
        str(path.relative_to(out)): path.read_text()
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.parts[len(out.parts)] not in ("code", "code.zip", "bridge-build.json")
    }
    routes = json.loads((out / "code" / "bridge_routes.json").read_text())["functions"]
    catch_all = next(name for name, rows in routes.items() if rows is None)
    return Built(files, out / "code", list(routes), catch_all, done.stderr)


def refused(root: Path, platform: str, tmp_path: Path, split: str = "per-route") -> str:
    """What `bridge build` says when it refuses (a non-zero exit)."""
    done = bridge_build(root, platform, tmp_path, split)
    assert done.returncode != 0, done.stdout
    return done.stderr


def documents(files: Dict[str, str], prefix: str = "") -> List[dict]:
    return [
        document
        for name, text in sorted(files.items())
        if name.startswith(prefix)
        for document in yaml.safe_load_all(text)
        if document
    ]


def route(table: Sequence[GatewayRoute], dialect: str, method: str, path: str) -> str:
    """The function the gateway sends the request to, by the generated table; exactly one."""
    winners = {entry.function for entry in gateway(dialect).select(table, path, method)}
    assert len(winners) == 1, (path, winners, table)
    return winners.pop()


# A process per function, as a platform runs one: the probe loads the package's entry the way the
# platform does, with only what the deploy file gives the function, and calls it for each request.
_PROBE = """
import importlib.util, json, os, sys
platform, function, requests = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path.insert(0, os.getcwd())
out = []
if platform == "fission":
    import fission_entry
    from bridge.emulators.fission import environment_app
    entry = getattr(fission_entry, function)
    client = environment_app(lambda request: entry()).test_client()
    for method, path, forwarded in requests:
        headers = {"X-Fission-Function-Name": "f", "X-Fission-Full-Url": path}
        answer = client.open(forwarded, method=method, headers=headers)
        out.append([answer.status_code, answer.get_data(as_text=True)])
elif platform == "openfaas":
    from bridge.emulators.openfaas import template_app
    spec = importlib.util.spec_from_file_location("handler", "handler.py")
    handler = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handler)
    client = template_app(handler.handle).test_client()
    for method, path, forwarded in requests:
        answer = client.open(forwarded, method=method)
        out.append([answer.status_code, answer.get_data(as_text=True)])
elif platform == "openwhisk":
    import base64
    from bridge.platforms.openwhisk import is_text_media
    spec = importlib.util.spec_from_file_location("action", "__main__.py")
    action = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(action)
    inputs = json.loads(function)
    for method, path, forwarded in requests:
        headers = {"host": "gw.example", "x-forwarded-url": "https://gw.example/api/t1" + forwarded}
        args = dict(inputs, __ow_method=method.lower(), __ow_path=forwarded, __ow_headers=headers)
        args["__ow_query"] = ""
        answer = action.main(args)
        body = answer.get("body", "")
        content_type = next((v for k, v in answer["headers"].items() if k.lower() == "content-type"), "")
        if body and not is_text_media(content_type):  # the controller decodes it (webactions.md)
            body = base64.b64decode(body).decode()
        out.append([answer["statusCode"], body])
elif platform == "kubeless":
    # A plain WSGI environ, as the runtime's server makes (werkzeug's test Client adds a key
    # holding itself, which cannot cross the runtime's pickle).
    from werkzeug.test import EnvironBuilder
    import kubeless_entry
    from bridge.emulators.fc2 import run_wsgi
    from bridge.emulators.kubeless import runtime_app
    context = {"function-name": "handler", "timeout": 180.0, "runtime": "python3.11"}
    app = runtime_app(kubeless_entry.handler, context)
    for method, path, forwarded in requests:
        answer = run_wsgi(app, EnvironBuilder(path=forwarded, method=method).get_environ())
        out.append([int(answer.status.split()[0]), answer.body.decode()])
elif platform == "fn":
    from bridge.emulators import GatewayRequest, get_emulator
    spec = importlib.util.spec_from_file_location("func", "func.py")
    func = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(func)
    emulator = get_emulator("fn", function_name=function)
    for method, path, forwarded in requests:
        answer = emulator.invoke(func.handler, GatewayRequest(method, forwarded), request_id="call")
        out.append([answer.status, answer.body.decode()])
print(json.dumps(out))
"""


def run_function(code: Path, platform: str, function: str, requests, env: Dict[str, str]) -> List[list]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, platform, function, json.dumps(requests)],
        cwd=code,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")},
            **env,
            "PYTHONPATH": str(ROOT),
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def check_each_function_answers_its_own_and_404s_the_rest(
    code: Path,
    platform: str,
    served_by: Dict[Tuple[str, str], str],
    requests: Sequence[Tuple[str, str, str]],
    catch_all: str,
    launch,
    root: str = "",
) -> None:
    """``served_by[(method, path)]`` is the function the deploy file routes the request to;
    ``launch(function)`` is (probe's function argument, its environment, the forwarded path of a
    request). The chosen function answers the app's answer; a guarded function that is not it
    answers the guard's 404."""
    functions = sorted(set(served_by.values()) | {catch_all})
    for function in functions:
        name, env, forward = launch(function)
        answers = run_function(code, platform, name, [(m, p, forward(p)) for m, p, _ in requests], env)
        for (method, path, expected), (status, body) in zip(requests, answers):
            seen = (platform, function, method, path, status, body)
            if served_by[(method, path)] == function:
                assert body != GUARD_404 and expected.format(root=root) in body, seen
            elif function != catch_all:
                assert (status, body) == (404, GUARD_404), seen


# --- Fission ------------------------------------------------------------------------------------


def fission_table(files: Dict[str, str]) -> List[GatewayRoute]:
    table = []
    for document in documents(files, "specs/route-"):
        spec = document["spec"]
        path = spec["prefix"] + "*" if "prefix" in spec else spec["relativeurl"]
        table.append(GatewayRoute(path, tuple(spec["methods"]), spec["functionref"]["name"]))
    return table


def test_fission_split_is_one_function_per_plan_function_sharing_environment_and_package(
    items_root, tmp_path
):
    built = split_build(items_root, "fission", tmp_path)
    files = built.files
    kinds: Dict[str, List[dict]] = {}
    for document in documents(files, "specs/"):
        kinds.setdefault(document["kind"], []).append(document)
    (environment,) = kinds["Environment"]
    (package,) = [d for d in kinds["Package"]]
    assert environment["metadata"]["name"] == package["metadata"]["name"] == "shop"
    functions = {d["metadata"]["name"]: d["spec"] for d in kinds["Function"]}
    assert set(functions) == set(built.functions)
    for spec in functions.values():
        assert spec["package"]["packageref"] == {"name": "shop", "namespace": "default"}
        assert spec["package"]["functionName"].startswith("fission_entry.main_")
    triggers = [d["spec"] for d in kinds["HTTPTrigger"]]
    # Every route has its trigger at the app's own path; PATCH is not routed by the environment.
    assert {t.get("relativeurl") for t in triggers} >= {
        "/items/{item_id}",
        "/items/{item_id}/tags/{tag}",
        "/about/",
    }
    files_trigger = next(t for t in triggers if t.get("prefix") == "/files/")
    assert files_trigger["keepPrefix"] is True
    assert all(t["methods"] == ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"] for t in triggers)
    names = [d["metadata"]["name"] for d in kinds["HTTPTrigger"]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", ["items", "todo", "blog"])
def test_fission_split_package_answers_each_functions_own_routes(name, request, tmp_path):
    root, requests, env = sample(name, request)
    built = split_build(root, "fission", tmp_path, "per-django-app" if name == "blog" else "per-route")
    files = built.files
    table = fission_table(files)
    entries = {
        d["metadata"]["name"]: d["spec"]["package"]["functionName"].split(".", 1)[1]
        for d in documents(files, "specs/function-")
    }
    served_by = {(m, p): route(table, "fission", m, p) for m, p, _ in requests}
    prefixed = {e.function for e in table if e.path.endswith("*")}

    def launch(function: str):
        # A relativeurl trigger forwards `/`; a keepPrefix trigger the whole path.
        return entries[function], env, (lambda path: path if function in prefixed else "/")

    catch_all = built.catch_all
    check_each_function_answers_its_own_and_404s_the_rest(
        built.code, "fission", served_by, requests, catch_all, launch
    )


def test_fission_split_refuses_group_environments_it_cannot_set_per_function(tmp_path):
    root = tmp_path / "app"
    root.mkdir()
    (root / "items.py").write_text(ITEMS_APP)
    (root / "bridge.toml").write_text(
        'app = "items:app"\nname = "shop"\nsplit = "groups"\n[groups.api]\nroutes = ["/items*"]\n'
        'environment = { API = "1" }\n'
    )
    assert "per Environment" in refused(root, "fission", tmp_path, split="groups")


# --- OpenFaaS -----------------------------------------------------------------------------------


def openfaas_table(files: Dict[str, str]) -> List[GatewayRoute]:
    return [
        GatewayRoute(document["spec"]["path"], None, document["spec"]["function"])
        for document in documents(files, "ingress.yml")
    ]


def test_openfaas_split_is_a_function_each_and_a_function_ingress_per_route(items_root, tmp_path):
    built = split_build(items_root, "openfaas", tmp_path)
    files = built.files
    stack = yaml.safe_load(files["stack.yml"])
    assert set(stack["functions"]) == set(built.functions)
    for name, function in stack["functions"].items():
        assert name.startswith("shop-") and function["handler"] == "./code"
        assert function["environment"]["BRIDGE_FUNCTION"] == name and function["image"] == f"{name}:latest"
    ingresses = documents(files, "ingress.yml")
    for ingress in ingresses:
        # openfaas/ingress-operator pkg/apis/openfaas/v1/types.go: FunctionIngressSpec.
        assert ingress["apiVersion"] == "openfaas.com/v1" and ingress["kind"] == "FunctionIngress"
        assert ingress["metadata"]["namespace"] == "openfaas"
        spec = ingress["spec"]
        assert set(spec) == {"domain", "function", "path", "ingressType"}
        assert spec["domain"] == "${OPENFAAS_DOMAIN}" and spec["ingressType"] == "nginx"
        assert spec["function"] in stack["functions"]
    paths = {i["spec"]["path"] for i in ingresses}
    # The first group is the whole path after "/": the rewrite to /function/<name>/$1 keeps it.
    assert {"(?-i)/(items)$", "(?-i)/(files/.*)", "(?-i)/(about/)$", "/(.*)"} <= paths
    handler = (built.code / "handler.py").read_text()
    assert "base_path" not in handler.split('"""')[2]  # mounted at /: no /function/<name> prefix


def test_openfaas_split_takes_the_domain_given_to_build(items_root, tmp_path):
    built = split_build(items_root, "openfaas", tmp_path, "per-route", "--domain", "shop.example.com")
    assert {i["spec"]["domain"] for i in documents(built.files, "ingress.yml")} == {"shop.example.com"}


@pytest.mark.parametrize("name", ["items", "todo", "blog"])
def test_openfaas_split_package_answers_each_functions_own_routes(name, request, tmp_path):
    root, requests, env = sample(name, request)
    # The template's own Flask app has Flask's /static/<path> route: it answers those itself.
    requests = [r for r in requests if not r[1].startswith("/static/")]
    built = split_build(root, "openfaas", tmp_path, "per-django-app" if name == "blog" else "per-route")
    # The todo sample serves /static/ (Flask's own rule), the blog its STATIC_URL: the build warns.
    assert ("WARNING openfaas" in built.stderr) == (name != "items"), built.stderr
    files = built.files
    table = openfaas_table(files)
    served_by = {(m, p): route(table, "openfaas", m, p) for m, p, _ in requests}
    stack = yaml.safe_load(files["stack.yml"])

    def launch(function: str):
        given = {k: v for k, v in stack["functions"][function]["environment"].items() if "${" not in v}
        # ingress-nginx rewrites to /function/<name>/$1, the gateway strips /function/<name>.
        return function, {**env, **given}, (lambda path: path)

    catch_all = built.catch_all
    check_each_function_answers_its_own_and_404s_the_rest(
        built.code, "openfaas", served_by, requests, catch_all, launch
    )


# --- OpenWhisk ----------------------------------------------------------------------------------


def openwhisk_table(manifest: dict) -> Tuple[str, List[GatewayRoute]]:
    """(the base path, the API's relative paths and actions), checked to be the same for every method."""
    (package,) = manifest["packages"].values()
    per_method: Dict[str, Dict[str, str]] = {}
    bases = set()
    for api in package["apis"].values():
        ((base, paths),) = api.items()
        bases.add(base)
        for path, actions in paths.items():
            ((action, spec),) = actions.items()
            assert spec["response"] == "http" and action in package["actions"]
            per_method.setdefault(spec["method"], {})[path] = action
    (base,) = bases
    # wskdeploy takes one method per API name: every method the gateway knows routes every path alike.
    assert set(per_method) == {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"}
    (table,) = {tuple(sorted(paths.items())) for paths in per_method.values()}
    return base, [GatewayRoute(path, None, action) for path, action in table]


def test_openwhisk_split_is_a_web_action_each_and_api_paths_with_path_parameters(items_root, tmp_path):
    built = split_build(items_root, "openwhisk", tmp_path)
    files = built.files
    manifest = yaml.safe_load(files["manifest.yaml"])
    (package,) = manifest["packages"].values()
    assert set(package["actions"]) == set(built.functions)
    for name, action in package["actions"].items():
        assert action["web"] == "raw" and action["inputs"]["BRIDGE_FUNCTION"] == name
    base, table = openwhisk_table(manifest)
    assert base == "/shop"
    paths = {entry.path for entry in table}
    # {name}: letters and digits only, as the gateway's Lua pattern {%w+} reads them.
    assert {"/items/{itemid}", "/items/{itemid}/tags/{tag}", "/files", "/about/", "/"} <= paths
    main = (built.code / "__main__.py").read_text()
    assert '"/shop"' in main and "BRIDGE_FUNCTION" in main


def test_openwhisk_gateway_lookup_follows_routing_lua():
    table = [
        GatewayRoute("/", None, "all"),
        GatewayRoute("/items", None, "list"),
        GatewayRoute("/items/{id}", None, "one"),
        GatewayRoute("/items/{id}/tags", None, "tags"),
        GatewayRoute("/about/", None, "about"),
    ]

    def by(path: str) -> List[str]:
        return sorted(e.function for e in gateway("openwhisk").select(table, path, "GET"))

    assert by("/items") == ["list"] and by("/items/7") == ["one"] and by("/items/7/tags") == ["tags"]
    # Cut back a segment at a time: a resource also takes what is below it; "/" all the rest.
    assert by("/items/7/other/x") == ["one"] and by("/elsewhere/x") == ["all"] and by("/") == ["all"]
    # A trailing-slash resource takes only itself; the path is read up to the first odd character.
    assert by("/about/") == ["about"] and by("/about/x") == ["all"] and by("/items+x") == ["list"]


@pytest.mark.parametrize("name", ["items", "todo", "blog"])
def test_openwhisk_split_package_answers_each_functions_own_routes(name, request, tmp_path):
    root, requests, env = sample(name, request)
    built = split_build(root, "openwhisk", tmp_path, "per-django-app" if name == "blog" else "per-route")
    files = built.files
    manifest = yaml.safe_load(files["manifest.yaml"])
    base, table = openwhisk_table(manifest)
    served_by = {(m, p): route(table, "openwhisk", m, p) for m, p, _ in requests}
    (package,) = manifest["packages"].values()

    def launch(function: str):
        # The inputs wskdeploy sends, ${NAME} filled from the deployer's shell.
        inputs = {
            key: env.get(key, "") if "${" in value else value
            for key, value in package["actions"][function]["inputs"].items()
        }
        # The gateway sends the base path and the rest as __ow_path (apigateway.md, routing.lua).
        return (
            json.dumps(inputs),
            {k: v for k, v in env.items() if k not in inputs},
            (lambda path: base + path),
        )

    catch_all = built.catch_all
    check_each_function_answers_its_own_and_404s_the_rest(
        built.code,
        "openwhisk",
        served_by,
        requests,
        catch_all,
        launch,
        root="/api/t1" + base,
    )


# --- Kubeless -----------------------------------------------------------------------------------


def kubeless_table(files: Dict[str, str]) -> List[GatewayRoute]:
    """The Ingress path of each HTTPTrigger: "/" + spec.path (http-trigger k8sutil.go CreateIngress)."""
    return [
        GatewayRoute("/" + document["spec"]["path"], None, document["spec"]["function-name"])
        for document in documents(files, "kubeless-trigger.yaml")
    ]


def ingress_nginx_rewrite(path: str, target: str, uri: str) -> str:
    """What ingress-nginx hands the function: ``rewrite "(?i)<path>" <target> break;`` unless the
    path equals the target (ingress-nginx ``buildProxyPass``); nginx's rewrite replaces the whole
    URI. Python's re takes no mid-pattern ``(?-i)``: it scopes the case-insensitive head instead."""
    if path == target:
        return uri
    head, _, tail = path.partition("(?-i)")
    match = re.search("(?i:" + head + ")" + tail, uri)
    assert match is not None, (path, uri)
    return re.sub(r"\$(\d)", lambda m: match.group(int(m.group(1))), target)


def test_kubeless_split_is_a_function_each_and_an_http_trigger_per_route(items_root, tmp_path):
    built = split_build(items_root, "kubeless", tmp_path)
    functions = documents(built.files, "kubeless-function.yaml")
    assert sorted(f["metadata"]["name"] for f in functions) == sorted(built.functions)
    packages = set()
    for function in functions:
        spec = function["spec"]
        assert function["kind"] == "Function" and spec["handler"] == "kubeless_entry.handler"
        (container,) = spec["deployment"]["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["BRIDGE_FUNCTION"] == function["metadata"]["name"]
        packages.add((spec["checksum"], spec["function"]))
    assert len(packages) == 1  # one package, in every Function
    triggers = documents(built.files, "kubeless-trigger.yaml")
    for trigger in triggers:
        assert trigger["apiVersion"] == "kubeless.io/v1beta1" and trigger["kind"] == "HTTPTrigger"
        assert set(trigger["spec"]) <= {"function-name", "host-name", "path", "gateway"}
        assert trigger["spec"]["function-name"] in built.functions
        annotations = trigger["metadata"].get("annotations", {})
        if trigger["spec"]["path"] == "":  # the catch-all: path "/" equals the default target
            assert trigger["spec"]["function-name"] == built.catch_all and not annotations
        else:
            assert annotations == {"nginx.ingress.kubernetes.io/rewrite-target": "/$1"}
    paths = {t["spec"]["path"] for t in triggers}
    assert {"(?-i)(items)$", "(?-i)(files/.*)", "(?-i)(about/)$", "(?-i)(about)$", ""} <= paths
    names = [t["metadata"]["name"] for t in triggers]
    assert len(names) == len(set(names))
    # The notes count what etcd holds: one whole package per Function object.
    assert f"holds {len(functions)} Function objects" in built.stderr and "in total" in built.stderr


def test_kubeless_split_triggers_take_the_domain_given_to_build(items_root, tmp_path):
    built = split_build(items_root, "kubeless", tmp_path, "per-route", "--domain", "shop.example.com")
    hosts = {t["spec"]["host-name"] for t in documents(built.files, "kubeless-trigger.yaml")}
    assert hosts == {"shop.example.com"}


@pytest.mark.parametrize("name", ["items", "todo", "blog"])
def test_kubeless_split_package_answers_each_functions_own_routes(name, request, tmp_path):
    pytest.importorskip("bottle")
    root, requests, env = sample(name, request)
    built = split_build(root, "kubeless", tmp_path, "per-django-app" if name == "blog" else "per-route")
    files = built.files
    table = kubeless_table(files)
    served_by = {(m, p): route(table, "kubeless", m, p) for m, p, _ in requests}
    functions = {f["metadata"]["name"]: f["spec"] for f in documents(files, "kubeless-function.yaml")}
    targets = {
        "/" + t["spec"]["path"]: t["metadata"].get("annotations", {}).get(
            "nginx.ingress.kubernetes.io/rewrite-target", "/"
        )
        for t in documents(files, "kubeless-trigger.yaml")
    }
    # The entry ingress-nginx picks rewrites the request to the app's own path.
    forwarded = {}
    for method, path, _ in requests:
        (entry,) = gateway("kubeless").select(table, path, method)
        forwarded[path] = ingress_nginx_rewrite(entry.path, targets[entry.path], path)
        assert forwarded[path] == path

    def launch(function: str):
        (container,) = functions[function]["deployment"]["spec"]["template"]["spec"]["containers"]
        given = {e["name"]: e["value"] for e in container["env"] if "${" not in e["value"]}
        return function, {**env, **given}, (lambda path: forwarded[path])

    catch_all = built.catch_all
    check_each_function_answers_its_own_and_404s_the_rest(
        built.code, "kubeless", served_by, requests, catch_all, launch
    )


# --- Fn -----------------------------------------------------------------------------------------

LITERAL_APP = """\
from flask import Flask, url_for

app = Flask(__name__, static_folder=None)


@app.get("/")
def index():
    return "index at " + url_for("index")


@app.route("/orders", methods=["GET", "POST"])
def orders():
    return "orders"


@app.get("/reports/daily/")
def daily():
    return "daily"


@app.get("/health")
def health():
    return "ok"
"""


@pytest.fixture
def literal_root(tmp_path: Path) -> Path:
    root = tmp_path / "literal"
    root.mkdir()
    (root / "orders.py").write_text(LITERAL_APP)
    (root / "bridge.toml").write_text('app = "orders:app"\nname = "shop"\nruntime = "python3.11"\n')
    return root


def fn_table(files: Dict[str, str]) -> Dict[str, str]:
    """Trigger source -> function, from the func.yaml files; each source once."""
    sources: Dict[str, str] = {}
    for name, text in files.items():
        if not name.endswith("/func.yaml"):
            continue
        func = yaml.safe_load(text)
        assert name == f"fn/{func['name']}/func.yaml" and func["schema_version"] == 20180708
        for trigger in func.get("triggers", []):
            assert trigger["type"] == "http" and trigger["source"] not in sources
            sources[trigger["source"]] = func["name"]
    return sources


@pytest.mark.parametrize("name", ["items", "todo"])
def test_fn_refuses_a_split_naming_the_route_a_trigger_cannot_take(name, request, tmp_path):
    root, _, _ = sample(name, request)
    said = refused(root, "fn", tmp_path)
    named = re.search(r"route (\S+) has a path parameter", said)
    assert named and "{" in named.group(1) and "OCI API Gateway" in said, said


def test_fn_split_is_an_app_of_functions_each_with_a_trigger_per_literal_path(literal_root, tmp_path):
    built = split_build(literal_root, "fn", tmp_path)
    files = built.files
    assert yaml.safe_load(files["fn/app.yaml"]) == {"name": "shop"}
    sources = fn_table(files)
    assert set(sources) == {"/", "/orders", "/reports/daily/", "/reports/daily", "/health"}
    assert len(set(sources.values())) == len(built.functions) > 1
    for function in built.functions:
        func = yaml.safe_load(files[f"fn/{function}/func.yaml"])
        assert func["config"]["BRIDGE_FUNCTION"] == function
    assert "func.yaml" not in os.listdir(built.code)  # one per function, under fn/
    # The Fn server takes a trigger's requests at /t/<app>/<source>: requests by the table, answered
    # by the function's own package as fdk runs it, the others' guards answering 404.
    requests = [
        ("GET", "/", "index at /t/shop/"),
        ("POST", "/orders", "orders"),
        ("GET", "/reports/daily/", "daily"),
        ("GET", "/health", "ok"),
    ]
    served_by = {(m, p): sources[p] for m, p, _ in requests}
    catch_all = built.catch_all

    def launch(function: str):
        config = yaml.safe_load(files[f"fn/{function}/func.yaml"])["config"]  # Fn's env of the function
        return function, config, (lambda path: "/t/shop" + path)

    check_each_function_answers_its_own_and_404s_the_rest(
        built.code, "fn", served_by, requests, catch_all, launch
    )


def test_openwhisk_mount_point_comes_from_the_gateways_forwarded_url_only_when_it_fits(monkeypatch):
    from bridge import Bridge

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()]

    monkeypatch.setenv("__OW_ACTION_NAME", "/guest/shop/shop-items")
    handler = Bridge(app, base_path="/shop")

    def call(forwarded_url: str) -> str:
        headers = {"host": "gw.example"}
        if forwarded_url:
            headers["x-forwarded-url"] = forwarded_url
        event = {
            "__ow_method": "get",
            "__ow_headers": headers,
            "__ow_path": "/shop/items/7",
            "__ow_query": "",
        }
        return handler(event)["body"]

    assert call("https://gw.example/api/a1b2/shop/items/7?x=1") == "/api/a1b2/shop|/items/7"
    # Not the gateway's (another path, not a URL, absent): the API's base path alone.
    assert call("https://gw.example/elsewhere") == "/shop|/items/7"
    assert call("http://[") == "/shop|/items/7"
    assert call("") == "/shop|/items/7"
