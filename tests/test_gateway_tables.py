"""Gateway route tables: each gateway's documented matching rule, and the soundness property.

The property: for random route sets and split strategies, every request the app would give to
a route reaches, through each generated gateway table, a function that serves that route (and
that function's route guard lets it through). The gateways are simulated here from their docs,
independently of the planner's own selection code; where a rule is UNCONFIRMED every plausible
reading must route right.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bridge.project import project_from_dict
from bridge.split.guard import RouteGuard
from bridge.split.plan import SplitConflictError, make_plan
from bridge.split.routes import Route, route_for
from bridge.split.tables import GatewayRoute, gateway, matches


def entry(path: str, function: str = "f") -> GatewayRoute:
    return GatewayRoute(path, None, function)


def chosen(name: str, table: List[GatewayRoute], path: str) -> List[str]:
    return [e.path for e in gateway(name).select(table, path, "GET")]


# --- the documented rules ---------------------------------------------------------------------


def test_fc_exact_path_takes_only_itself():
    assert matches("fc", "/a", "/a")
    assert not matches("fc", "/a", "/a/")


def test_fc_wildcard_takes_every_path_under_it_and_the_longest_prefix_wins():
    table = [entry("/login/*", "f2"), entry("/login/a/*", "f3"), entry("/*", "web")]
    assert chosen("fc", table, "/login/a/b") == ["/login/a/*"]
    assert chosen("fc", table, "/login/b/c/d") == ["/login/*"]
    assert chosen("fc", table, "/") == ["/*"]


def test_fc_exact_beats_wildcard():
    assert chosen("fc", [entry("/a/*"), entry("/a/b")], "/a/b") == ["/a/b"]


def test_fc_an_empty_wildcard_is_unconfirmed_so_both_readings_are_possible_winners():
    assert chosen("fc", [entry("/login/*"), entry("/*")], "/login/") == ["/*", "/login/*"]


def test_aws_full_match_then_greedy_then_default_as_in_the_docs_example():
    table = [
        entry("/pets/dog/1"),
        entry("/pets/dog/{id}"),
        entry("/pets/{proxy+}"),
        entry("/{proxy+}"),
        entry("$default"),
    ]
    assert chosen("aws", table, "/pets/dog/1") == ["/pets/dog/1"]
    assert chosen("aws", table, "/pets/dog/2") == ["/pets/dog/{id}"]
    assert chosen("aws", table, "/pets/cat/1") == ["/pets/{proxy+}"]
    assert chosen("aws", table, "/") == ["$default"]


def test_aws_greedy_variable_needs_a_segment():
    assert not matches("aws", "/static/{proxy+}", "/static/")
    assert matches("aws", "/static/{proxy+}", "/static/a/b")


def test_aws_two_unnested_full_matches_are_both_possible_winners():
    assert chosen("aws", [entry("/a/{x}"), entry("/{y}/b")], "/a/b") == ["/a/{x}", "/{y}/b"]


def test_scf_plain_path_is_a_prefix_and_exact_wins_first():
    assert matches("scf", "/user", "/user/usertest/user/test/a")
    assert chosen("scf", [entry("/user"), entry("=/user/a"), entry("/")], "/user/a") == ["=/user/a"]
    assert chosen("scf", [entry("/user"), entry("/user/a"), entry("/")], "/user/a/b") == ["/user/a"]


def test_fission_exact_patterns_before_prefixes_and_the_longest_prefix_first():
    table = [
        entry("/items/{id}", "one"),
        entry("/items/new", "new"),
        entry("/items/*", "all"),
        entry("/*", "rest"),
    ]
    # Two exact patterns match /items/new: the older trigger wins, unknown at build time.
    assert sorted(chosen("fission", table, "/items/new")) == ["/items/new", "/items/{id}"]
    assert chosen("fission", table, "/items/7") == ["/items/{id}"]
    assert chosen("fission", table, "/items/7/x") == ["/items/*"] and chosen("fission", table, "/x") == ["/*"]


def test_function_ingress_paths_longest_first_case_sensitive_and_whole_path_in_the_first_group():
    rule = gateway("openfaas")
    table = [
        entry(rule.exact_path("/a.b"), "dot"),
        entry(rule.prefix_path("/api/"), "api"),
        entry("/(.*)", "rest"),
    ]
    assert chosen("openfaas", table, "/a.b") == ["(?-i)/(a\\.b)$"]
    assert chosen("openfaas", table, "/axb") == ["/(.*)"]  # the dot is escaped
    assert chosen("openfaas", table, "/api/x") == ["(?-i)/(api/.*)"]
    assert chosen("openfaas", table, "/API/x") == ["/(.*)"]  # (?-i): as case-sensitive as the app
    for path in ("/a.b", "/api/x/y"):
        match = [m for e in table for m in [re.match("^" + e.path.replace("(?-i)", ""), path)] if m][0]
        assert "/" + match.group(1) == path  # rewritten to /function/<name>/$1: the app's own path


def test_kubeless_ingress_paths_begin_with_the_controllers_slash_and_rewrite_to_the_whole_path():
    # The controller writes Ingress path "/" + spec.path (kubeless/http-trigger k8sutil.go).
    rule = gateway("kubeless")
    table = [
        entry(rule.exact_path("/a.b"), "dot"),
        entry(rule.prefix_path("/api/"), "api"),
        entry("/", "rest"),
    ]
    assert chosen("kubeless", table, "/a.b") == ["/(?-i)(a\\.b)$"]
    assert chosen("kubeless", table, "/axb") == ["/"]  # the dot is escaped
    assert chosen("kubeless", table, "/api/x") == ["/(?-i)(api/.*)"]
    assert chosen("kubeless", table, "/API/x") == ["/"]  # (?-i): as case-sensitive as the app
    for path in ("/a.b", "/api/x/y"):
        match = [m for e in table[:2] for m in [re.match("^" + e.path.replace("(?-i)", ""), path)] if m][0]
        assert "/" + match.group(1) == path  # rewrite-target /$1: the app's own path


def test_nginx_exact_location_then_longest_prefix():
    table = [entry("= /"), entry("/api/"), entry("/")]
    assert chosen("nginx", table, "/") == ["= /"]
    assert chosen("nginx", table, "/api/x") == ["/api/"]
    assert chosen("nginx", table, "/other") == ["/"]


# --- independent simulations of each gateway, from its documentation ----------------------------


def fc_winners(table: List[GatewayRoute], path: str) -> List[GatewayRoute]:
    exact = [e for e in table if not e.path.endswith("*") and e.path == path]
    if exact:
        return exact
    found = []
    for empty_star_matches in (True, False):  # UNCONFIRMED: may "/login/*" take "/login/"?
        fuzzy = []
        for e in table:
            prefix = e.path[:-1] if e.path.endswith("*") else None
            if prefix is None or not path.startswith(prefix):
                continue
            if path == prefix and prefix != "/" and not empty_star_matches:
                continue
            fuzzy.append((len(prefix), e))
        if fuzzy:
            best = max(n for n, _ in fuzzy)
            found += [e for n, e in fuzzy if n == best]
    return found


def prefix_winners(table: List[GatewayRoute], path: str, exact_mark: str) -> List[GatewayRoute]:
    exact = [e for e in table if e.path.startswith(exact_mark) and e.path[len(exact_mark) :] == path]
    if exact:
        return exact
    fuzzy = [(len(e.path), e) for e in table if not e.path.startswith(exact_mark) and path.startswith(e.path)]
    best = max(n for n, _ in fuzzy)
    return [e for n, e in fuzzy if n == best]


def aws_winners(table: List[GatewayRoute], path: str) -> List[GatewayRoute]:
    routes = [e for e in table if e.path != "$default" and matches("aws", e.path, path)]
    full = [e for e in routes if "+}" not in e.path]
    if full:
        found = []
        for direction in (1, -1):  # UNCONFIRMED: which literal counts first when routes are not nested

            def key(e, direction=direction):
                return [seg.startswith("{") for seg in e.path.split("/")[1:]][::direction]

            best = min(key(e) for e in full)
            found += [e for e in full if key(e) == best]
        return found
    greedy = [e for e in routes if "+}" in e.path]
    if greedy:
        depth = max(e.path.count("/") for e in greedy)
        return [e for e in greedy if e.path.count("/") == depth]
    return [e for e in table if e.path == "$default"]


def fission_winners(table: List[GatewayRoute], path: str) -> List[GatewayRoute]:
    # precedence.go: every exact pattern (literal or {var} template) before every prefix.
    def exact_matches(pattern: str) -> bool:
        regex = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{\w+\})", pattern)
        )
        return re.fullmatch(regex, path) is not None

    exact = [e for e in table if not e.path.endswith("*") and exact_matches(e.path)]
    if exact:
        return exact
    prefixes = {GatewayRoute(e.path[:-1], None, e.function): e for e in table if e.path.endswith("*")}
    return [prefixes[e] for e in prefix_winners(list(prefixes), path, "\0")]


def ingress_nginx_winners(table: List[GatewayRoute], path: str) -> List[GatewayRoute]:
    # location ~* "^<path>", the paths sorted longest first, the first match winning; (?-i) turns
    # the case-insensitive ~* off from where it stands (Python's re takes no flag mid-pattern: the
    # head before it is scoped case-insensitive instead).
    def match(pattern: str) -> bool:
        head, flag, tail = pattern.partition("(?-i)")
        if not flag:
            return re.match("^" + pattern, path, re.IGNORECASE) is not None
        return re.match("^" + ("(?i:" + head + ")" if head else "") + tail, path) is not None

    matching = [e for e in table if match(e.path)]
    longest = max((len(e.path) for e in matching), default=0)
    return [e for e in matching if len(e.path) == longest]


def openwhisk_winners(table: List[GatewayRoute], path: str) -> List[GatewayRoute]:
    # routing.lua slowLookup, on redis keys "resources:<tenant>:<base path><relative path>".
    head = "resources:t:"
    keys = {head + "b" + e.path: e for e in table}
    read = re.match(r"[a-zA-Z0-9\-/._{} ]*[a-zA-Z0-9\-/._{}]", path[1:])
    redis_key = head + "b/" + (read.group(0) if read else "")
    if redis_key in keys:
        return [keys[redis_key]]
    by_count: Dict[int, List[str]] = {}
    for key in keys:
        count = key.count("/")
        if count == 1 and key.endswith("/"):
            count = 0
        by_count.setdefault(count, []).append(key)

    def param_match(key: str, resource: str) -> bool:
        if not re.search(r"\{[A-Za-z0-9]+\}", key):
            return False
        lua = re.sub(r"\{[A-Za-z0-9]*\}", "\0", key)
        regex = "".join("([^:]+)" if c == "\0" else "." if c == "." else re.escape(c) for c in lua)
        return re.search(regex, resource) is not None

    for count in range(redis_key.count("/"), -1, -1):
        found = [
            keys[k]
            for k in by_count.get(count, [])
            if k == redis_key or k == redis_key + "/" or param_match(k, redis_key)
        ]
        if found:
            return found
        index = redis_key.rfind("/")
        if index < 0:
            return []
        redis_key = redis_key[:index]
    return []


def winners(name: str, table: List[GatewayRoute], path: str) -> List[GatewayRoute]:
    if name == "fc":
        return fc_winners(table, path)
    if name == "aws":
        return aws_winners(table, path)
    if name == "fission":
        return fission_winners(table, path)
    if name in ("openfaas", "kubeless"):
        return ingress_nginx_winners(table, path)
    if name == "openwhisk":
        return openwhisk_winners(table, path)
    return prefix_winners(table, path, "=" if name == "scf" else "= ")


# --- the property ------------------------------------------------------------------------------

LITERALS = ["a", "b", "api", "v1"]
VALUES = ["a", "b", "api", "v1", "7", "zz", "ax", "7/8", "a/b"]


@st.composite
def route_sets(draw):
    count = draw(st.integers(min_value=1, max_value=7))
    routes = []
    framework = draw(st.sampled_from(["flask", "starlette", "django"]))
    for i in range(count):
        depth = draw(st.integers(min_value=1, max_value=3))
        segments = []
        for position in range(depth):
            last = position == depth - 1
            kind = draw(st.sampled_from(["lit", "lit", "param", "int"] + (["path"] if last else [])))
            if kind == "lit":
                segments.append(draw(st.sampled_from(LITERALS)))
            elif kind == "param":
                segments.append("{p" + str(position) + "}")
            elif kind == "int":
                segments.append("{p" + str(position) + ":int}")
            else:
                segments.append("{p" + str(position) + ":path}")
        path = "/" + "/".join(segments)
        if draw(st.booleans()) and not path.endswith(":path}"):
            path += "/"
        if draw(st.integers(0, 9)) == 0:
            path = "/"
        methods = draw(st.sampled_from([None, ("GET",), ("POST",), ("GET", "POST"), ("DELETE", "GET")]))
        routes.append(
            Route(
                path=path,
                methods=methods,
                endpoint=f"r{i}",
                group_hint=draw(st.sampled_from(["g1", "g2", None])),
                slash_redirect=framework == "flask"
                and path.endswith("/")
                and path != "/"
                and draw(st.booleans()),
                framework=framework,
            )
        )
    return routes


SPLITS = st.sampled_from(
    [
        ("all-in-one", 1),
        ("per-route", 1),
        ("per-prefix", 1),
        ("per-prefix", 2),
        ("per-blueprint", 1),
        ("groups", 1),
    ]
)
GROUPS = st.dictionaries(
    st.sampled_from(["one", "two", "three"]),
    st.lists(st.sampled_from(["/a/*", "/api/*", "/b", "/a/b/*", "/v1/*", "/a"]), min_size=1, max_size=2),
    min_size=1,
    max_size=3,
)


def requests_of(route: Route, values: List[str]) -> List[str]:
    out = []
    for value in values:
        path = route.path
        for name in ("p0", "p1", "p2"):
            for suffix in ("}", ":int}", ":path}"):
                path = path.replace("{" + name + suffix, value)
        out.append(path)
    out += [p[:-1] for p in out if route.slash_redirect and p.endswith("/") and p != "/"]
    return out


# Derandomized: the same 150 cases on every run, so CI is repeatable. To look further, turn
# derandomize off and run it with --hypothesis-seed=N for many N (that found the examples below).
@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
# Found by this test: /a/a/a does not fit /a/{p1:int}/..., so the app gives it to /{p0:path}, while
# FC's /a/* entry, blind to converters, took it. The planner now samples words in typed positions.
@example(
    routes=[
        Route(path="/a/{p1:int}/{p2:path}", endpoint="r0", framework="starlette"),
        Route(path="/{p0:path}", endpoint="r1", framework="starlette"),
    ],
    split=("per-route", 1),
    groups={"one": ["/a"]},
    values=["a"],
)
# Found by this test: PUT / belongs to the any-method / of the default function, but the planner
# only sampled the declared methods (GET, POST), so FC's / entry for GET / took it.
@example(
    routes=[
        Route(path="/", methods=("GET",), endpoint="r0", group_hint="g1", framework="flask"),
        Route(path="/", methods=("POST",), endpoint="r1", group_hint="g1", framework="flask"),
        Route(path="/", methods=None, endpoint="r2", framework="flask"),
    ],
    split=("per-blueprint", 1),
    groups={"one": ["/a/*"]},
    values=["a"],
)
@given(
    routes=route_sets(),
    split=SPLITS,
    groups=GROUPS,
    values=st.lists(st.sampled_from(VALUES), min_size=1, max_size=4),
)
def test_every_app_route_reaches_a_function_that_serves_it_on_every_gateway(routes, split, groups, values):
    strategy, depth = split
    data = {"app": "x:app", "name": "p"}
    if strategy == "groups":
        data["groups"] = groups
    project = project_from_dict(data, root=Path("."))
    try:
        plan = make_plan(project, routes, split=strategy, depth=depth)
    except SplitConflictError as exc:
        assert strategy == "groups" and "function" in str(exc)
        assume(False)
    function_of = {id(r): f for f in plan.functions for r in f.routes}
    assert sorted(map(id, routes)) == sorted(function_of), "every route is in exactly one function"
    guards = {
        f.name: RouteGuard(object(), f.routes, f.name, app_routes=routes, interface="wsgi")
        for f in plan.functions
        if not f.catch_all
    }
    for name in ("fc", "aws", "scf", "nginx"):
        table = plan.table(name)
        for route in routes:
            for path in requests_of(route, values):
                for method in route.methods or ("GET", "PUT"):
                    target = route_for(routes, path, method)
                    if target is None or not target.allows(method):
                        continue  # the app answers 404/405 itself: no function is owed the request
                    serving = function_of[id(target)]
                    chosen_entries = winners(name, table, path)
                    assert chosen_entries, f"{name}: no entry takes {path}"
                    for found in chosen_entries:
                        assert found.function == serving.name, (name, method, path, target.path, found, table)
                        assert found.methods is None or method in found.methods, (name, method, path, found)
                    if not serving.catch_all:
                        assert guards[serving.name].serves(path, method)


# The open-source gateways, each checked alone (as `bridge build` plans for one): fewer cases, the
# property is the same.
@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    routes=route_sets(),
    split=SPLITS,
    values=st.lists(st.sampled_from(VALUES), min_size=1, max_size=4),
    name=st.sampled_from(["fission", "openfaas", "kubeless", "openwhisk"]),
)
def test_every_app_route_reaches_a_function_that_serves_it_on_the_open_source_gateways(
    routes, split, values, name
):
    strategy, depth = split
    project = project_from_dict({"app": "x:app", "name": "p"}, root=Path("."))
    plan = make_plan(project, routes, split=strategy, depth=depth, gateways=(name,))
    function_of = {id(r): f for f in plan.functions for r in f.routes}
    table = plan.table(name)
    for route in routes:
        for path in requests_of(route, values):
            for method in route.methods or ("GET", "PUT"):
                target = route_for(routes, path, method)
                if target is None or not target.allows(method):
                    continue
                serving = function_of[id(target)]
                chosen_entries = winners(name, table, path)
                assert chosen_entries, f"{name}: no entry takes {path}"
                for found in chosen_entries:
                    assert found.function == serving.name, (name, method, path, target.path, found, table)
