"""Gateway route tables: the app's routes in each gateway's pattern language, and its matching rule.

One translator per gateway. Each answers three questions: which gateway paths cover a route
(:meth:`Gateway.paths_for`), does a gateway path match a request path (:meth:`Gateway.matches`),
and which entries of a table may take a request (:meth:`Gateway.select`). ``select`` returns
every entry the gateway *may* choose: one where the documented rule decides, several where a
rule is UNCONFIRMED and more than one reading is plausible, none where the gateway refuses the
request. The planner requires all of them to be right, so a plan never rests on a guess.

Gateway patterns are coarser than the app's (FC has no one-segment wildcard at all), so a
gateway path covers *at least* its route's paths; :mod:`bridge.split.plan` checks that the
more specific entry wins wherever two functions' entries overlap, and merges functions (or
reports a conflict) where it would not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple

from .patterns import Shape
from .routes import Route


@dataclass(frozen=True)
class GatewayRoute:
    """One entry of a gateway route table.

    ``path`` is in the gateway's own syntax; ``methods`` restrict the entry (``None``: any);
    ``function`` is the function name it invokes; ``priority`` is its rank by the gateway's
    selection rule (1 is tried first; gateways here pick by specificity, so the rank documents
    the rule rather than configures it); ``source`` names the app patterns it was made for.
    """

    path: str
    methods: Tuple[str, ...] | None
    function: str
    priority: int = 0
    source: Tuple[str, ...] = ()

    def as_dict(self) -> Dict[str, object]:
        return {
            "path": self.path,
            "methods": list(self.methods) if self.methods is not None else None,
            "function": self.function,
            "priority": self.priority,
            "source": list(self.source),
        }


class Gateway:
    """A gateway's pattern language and selection rule (subclasses: one per gateway)."""

    name = ""
    #: The gateway path that takes every request (the catch-all function's entry).
    catch_all = ""

    def paths_for(self, route: Route) -> List[str]:
        """Gateway paths that together cover every request path of ``route``."""
        raise NotImplementedError

    def is_exact(self, gateway_path: str) -> bool:
        """True when the gateway path matches one request path only."""
        raise NotImplementedError

    def matches(self, gateway_path: str, request_path: str) -> bool:
        """True when the gateway path matches the request path (the documented reading)."""
        raise NotImplementedError

    def select(self, table: Sequence[GatewayRoute], request_path: str, method: str) -> List[GatewayRoute]:
        """Every entry the gateway may send the request to (see the module docstring)."""
        raise NotImplementedError

    def order_key(self, gateway_path: str) -> Tuple:
        """Sort key: the entries the rule prefers come first."""
        raise NotImplementedError

    def example(self, gateway_path: str) -> str:
        """A request path the entry takes (the planner's notes probe overlaps with it)."""
        raise NotImplementedError


def _covering_paths(gateway: Any, route: Route, *, bare_prefix_entry: bool) -> List[str]:
    """Exact entries for a route's literal shapes (and the slashless form a slash redirect serves),
    prefix entries for the rest, in ``gateway``'s ``exact_path``/``prefix_path`` syntax; with
    ``bare_prefix_entry``, an exact entry for a bare prefix the route takes as well."""
    paths: List[str] = []
    for shape in route.shapes:
        if not shape.exact:
            prefix = shape.prefix()
            paths.append(gateway.prefix_path(prefix))
            if bare_prefix_entry and route.matches_path(prefix):
                paths.append(gateway.exact_path(prefix))
            continue
        literal = shape.literal_path()
        paths.append(gateway.exact_path(literal))
        if route.slash_redirect and literal.endswith("/") and literal != "/":
            paths.append(gateway.exact_path(literal[:-1]))
    return list(dict.fromkeys(paths))


class _PrefixGateway(Gateway):
    """Gateways whose entries are exact paths or literal prefixes: exact wins, then longest prefix."""

    #: Whether a route that takes its bare prefix (``/static/`` for ``/static/{path}``) needs an
    #: exact entry for it, the prefix entry being unsure to take it.
    bare_prefix_needs_entry = False

    def exact_path(self, literal: str) -> str:
        raise NotImplementedError

    def prefix_path(self, prefix: str) -> str:
        raise NotImplementedError

    def parse(self, gateway_path: str) -> Tuple[bool, str]:
        """(is exact, the literal path or prefix)."""
        raise NotImplementedError

    def paths_for(self, route: Route) -> List[str]:
        return _covering_paths(self, route, bare_prefix_entry=self.bare_prefix_needs_entry)

    def is_exact(self, gateway_path: str) -> bool:
        return self.parse(gateway_path)[0]

    def matches(self, gateway_path: str, request_path: str) -> bool:
        exact, text = self.parse(gateway_path)
        return request_path == text if exact else request_path.startswith(text)

    def empty_rest_is_uncertain(self, prefix: str) -> bool:
        """Whether a prefix entry may or may not match the request path equal to its prefix."""
        return False

    def select(self, table: Sequence[GatewayRoute], request_path: str, method: str) -> List[GatewayRoute]:
        exact = [e for e in table if self.parse(e.path) == (True, request_path)]
        if exact:
            # No documented fall-through when an exact entry's methods exclude the request's:
            # take it as refused (the planner sets no methods; a hand-written table may).
            return [e for e in exact if e.methods is None or method in e.methods]
        prefixes = [(self.parse(e.path)[1], e) for e in table if not self.parse(e.path)[0]]
        matching = [(p, e) for p, e in prefixes if request_path.startswith(p)]
        sure = [(p, e) for p, e in matching if not (p == request_path and self.empty_rest_is_uncertain(p))]
        winners = _longest(sure)
        if len(sure) != len(matching):
            winners += [e for e in _longest(matching) if e not in winners]
        return winners

    def order_key(self, gateway_path: str) -> Tuple:
        exact, text = self.parse(gateway_path)
        return (0 if exact else 1, -len(text), text)

    def example(self, gateway_path: str) -> str:
        exact, text = self.parse(gateway_path)
        return text if exact else text + "x"


def _longest(pairs: List[Tuple[str, GatewayRoute]]) -> List[GatewayRoute]:
    if not pairs:
        return []
    best = max(len(p) for p, _ in pairs)
    return [e for p, e in pairs if len(p) == best]


class FCGateway(_PrefixGateway):
    """Alibaba FC 3.0 custom-domain routes (``fc3-domain`` ``routeConfig.routes``).

    Rule (https://www.alibabacloud.com/help/doc-detail/90763.htm, "Routing rules"): a path is an
    exact match (``/a`` takes ``/a`` only, not ``/a/``) or ends in ``*`` (``/login/*`` takes every
    path beginning with ``/login/``); exact beats wildcard; among wildcards the longest prefix
    wins; ``*`` only at the end. UNCONFIRMED: whether ``/login/*`` also takes ``/login/`` (an empty
    ``*``) - both readings are kept, except for ``/*``, which the official templates use as the
    only route of a whole app, ``/`` included (reference alibaba-fc.md section 6.4); and whether a
    route whose ``methods`` exclude the request's falls through - we assume it does not.
    """

    name = "fc"
    catch_all = "/*"
    bare_prefix_needs_entry = True

    def exact_path(self, literal: str) -> str:
        return literal

    def prefix_path(self, prefix: str) -> str:
        return prefix + "*"

    def parse(self, gateway_path: str) -> Tuple[bool, str]:
        if gateway_path.endswith("*"):
            return False, gateway_path[:-1]
        return True, gateway_path

    def empty_rest_is_uncertain(self, prefix: str) -> bool:
        return prefix != "/"


class SCFGateway(_PrefixGateway):
    """Tencent API Gateway in front of SCF (``serverless.yml`` ``apigw`` endpoints, ``multi-scf`` apis).

    Rule (https://cloud.tencent.com/document/product/628/11939, "API 命中优先级如何确定"):
    ``=/path`` is an exact match and wins first; ``^~`` prefixes second; regexes and path
    variables third; a plain path is a prefix match (``/user`` also takes ``/user/test/a``,
    628/52201), the longest one winning. Only ``=`` exact paths and plain prefixes ending in ``/``
    are emitted, so the third tier never comes into play. API Gateway triggers stop being sold
    (reference tencent-scf.md section 0); Function URLs have no path routing at all.
    """

    name = "scf"
    catch_all = "/"

    def exact_path(self, literal: str) -> str:
        return "=" + literal

    def prefix_path(self, prefix: str) -> str:
        return prefix

    def parse(self, gateway_path: str) -> Tuple[bool, str]:
        if gateway_path.startswith("="):
            return True, gateway_path[1:]
        return False, gateway_path


class NginxGateway(_PrefixGateway):
    """An nginx ``location`` map, for gateways we do not manage (one function URL per function).

    Rule (https://nginx.org/en/docs/http/ngx_http_core_module.html#location): ``location = /x``
    matches exactly and stops the search; otherwise the longest matching prefix location wins
    (no regex locations are emitted, so none can override it).
    """

    name = "nginx"
    catch_all = "/"

    def exact_path(self, literal: str) -> str:
        return "= " + literal

    def prefix_path(self, prefix: str) -> str:
        return prefix

    def parse(self, gateway_path: str) -> Tuple[bool, str]:
        if gateway_path.startswith("= "):
            return True, gateway_path[2:]
        return False, gateway_path


class AWSGateway(Gateway):
    """AWS API Gateway HTTP API routes (``{param}``, greedy ``{proxy+}``, ``$default``).

    Rule (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html,
    "Routing API requests"): a full match of route and method first (``/pets/dog/1`` before
    ``/pets/dog/{id}``), then a greedy ``{proxy+}`` route, then ``$default``. A path variable is a
    whole segment; ``{proxy+}`` must end the path. UNCONFIRMED: how two full matches that are not
    nested (``/a/{x}`` and ``/{y}/b`` for ``/a/b``) or two greedy routes of the same depth are
    ordered (both are kept as possible winners); that ``{proxy+}`` needs at least one non-empty
    segment (assumed, so the bare prefix gets its own route); that trailing slashes are kept
    as written. Entries carry no methods: the whole path goes to one function (``ANY``).
    """

    name = "aws"
    catch_all = "$default"

    def paths_for(self, route: Route) -> List[str]:
        names = _param_names(route)
        paths: List[str] = []
        for shape in route.shapes:
            paths.extend(self._paths_for_shape(shape, names, route))
        return list(dict.fromkeys(paths))

    def _paths_for_shape(self, shape: Shape, names: Dict[int, str], route: Route) -> List[str]:
        parts: List[str] = []
        used: Dict[str, int] = {}
        for index, segment in enumerate(shape.segments):
            if segment is not None:
                parts.append(segment)
                continue
            name = names.get(index) or f"p{index}"
            used[name] = used.get(name, 0) + 1
            parts.append("{%s}" % (name if used[name] == 1 else f"{name}{used[name]}"))
        base = "/" + "/".join(parts)
        if not shape.tail:
            paths = [base]
            if route.slash_redirect and base.endswith("/") and base != "/":
                paths.append(base[:-1])
            return paths
        # {proxy+} needs one segment or more, so the bare prefix (the tail empty) is its own route.
        bare = base if base.endswith("/") else base + "/"
        greedy = bare + "{proxy+}"
        return [greedy, bare] if route.matches_path(bare) else [greedy]

    def is_exact(self, gateway_path: str) -> bool:
        return gateway_path != self.catch_all and "{" not in gateway_path

    def matches(self, gateway_path: str, request_path: str) -> bool:
        if gateway_path == self.catch_all:
            return True
        segments, greedy = _aws_parse(gateway_path)
        request = request_path[1:].split("/")
        if greedy:
            rest = request[len(segments) :]
            return len(request) > len(segments) and "/".join(rest) != "" and _aws_fits(segments, request)
        return len(request) == len(segments) and _aws_fits(segments, request)

    def select(self, table: Sequence[GatewayRoute], request_path: str, method: str) -> List[GatewayRoute]:
        matching = [e for e in table if e.path != self.catch_all and self.matches(e.path, request_path)]
        full = [e for e in matching if not _aws_parse(e.path)[1]]
        if full:
            return _most_specific(full)
        greedy = [e for e in matching if _aws_parse(e.path)[1]]
        if greedy:
            deepest = max(len(_aws_parse(e.path)[0]) for e in greedy)
            return _most_specific([e for e in greedy if len(_aws_parse(e.path)[0]) == deepest])
        return [e for e in table if e.path == self.catch_all]

    def order_key(self, gateway_path: str) -> Tuple:
        if gateway_path == self.catch_all:
            return (2, 0, ())
        segments, greedy = _aws_parse(gateway_path)
        return (1 if greedy else 0, -len(segments), tuple(s is None for s in segments), gateway_path)

    def example(self, gateway_path: str) -> str:
        return gateway_path.replace("{proxy+}", "x").replace("{", "").replace("}", "")


def _param_names(route: Route) -> Dict[int, str]:
    """Segment index -> parameter name, for segments that are exactly one parameter."""
    names: Dict[int, str] = {}
    if route.regex is not None:
        return names
    for index, text in enumerate(route.path[1:].split("/")):
        match = re.fullmatch(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^{}]+)?\}", text)
        if match:
            names[index] = match.group(1)
    return names


def _aws_parse(gateway_path: str) -> Tuple[Tuple[str | None, ...], bool]:
    """(segments: literal text or None for a variable, greedy); memoised, tables are re-read often."""
    found = _AWS_PARSED.get(gateway_path)
    if found is None:
        parts = gateway_path[1:].split("/")
        greedy = bool(parts) and parts[-1].endswith("+}")
        if greedy:
            parts = parts[:-1]
        segments = tuple(None if p.startswith("{") and p.endswith("}") else p for p in parts)
        found = _AWS_PARSED[gateway_path] = (segments, greedy)
    return found


_AWS_PARSED: Dict[str, Tuple[Tuple[str | None, ...], bool]] = {}


def _aws_fits(segments: Tuple[str | None, ...], request: List[str]) -> bool:
    for pattern, actual in zip(segments, request):
        if pattern is None:
            if actual == "":
                return False
        elif pattern != actual:
            return False
    return True


def _most_specific(entries: List[GatewayRoute]) -> List[GatewayRoute]:
    """Entries no other entry beats by having a literal wherever it has one, and one more."""

    def beats(a: GatewayRoute, b: GatewayRoute) -> bool:
        sa, sb = _aws_parse(a.path)[0], _aws_parse(b.path)[0]
        if len(sa) != len(sb):
            return False
        at_least = all(x is not None or y is None for x, y in zip(sa, sb))
        return at_least and any(x is not None and y is None for x, y in zip(sa, sb))

    return [e for e in entries if not any(beats(other, e) for other in entries if other is not e)]


def _fill_params(template: str) -> str:
    """A request path of a ``{name}`` template: each parameter filled with its name."""
    return re.sub(r"\{([^{}]*)\}", lambda m: m.group(1).split(":")[0].rstrip("+") or "x", template)


def _templates(route: Route, shape: Shape, *, name_re: str = r"\W") -> Tuple[List[str], List[str]]:
    """(the shape's segments as ``{name}`` templates, their names): a variable segment is
    named after its route parameter (characters matching ``name_re`` dropped), else ``p<index>``,
    and a repeated name gets a number."""
    names = _param_names(route)
    parts: List[str] = []
    used: Dict[str, int] = {}
    for index, segment in enumerate(shape.segments):
        if segment is not None:
            parts.append(segment)
            continue
        name = re.sub(name_re, "", names.get(index, "")) or f"p{index}"
        used[name] = used.get(name, 0) + 1
        parts.append("{%s}" % (name if used[name] == 1 else f"{name}{used[name]}"))
    return parts, list(used)


class FissionGateway(Gateway):
    """Fission HTTP triggers: ``spec.relativeurl`` (exact, ``{name}`` a segment) or ``spec.prefix``.

    Rule (fission/fission ``pkg/router/routetable/precedence.go``, RFC-0013 "specified route
    precedence"): exact patterns before prefixes, the longest prefix first; among exact patterns
    (a literal path and a ``{name}`` template may both match) the oldest trigger wins, which a
    build cannot know, so every exact pattern that matches is a possible winner. A ``{name}``
    takes one non-empty segment (``pkg/utils/httpmux/template.go``); a prefix takes every path
    starting with it. Here a prefix entry is written with a trailing ``*`` (``/static/*`` is
    ``spec.prefix: /static/``); the deploy file spells it out. Routers before that change (Fission
    before 1.26.0) ordered triggers as their cache listed them: overlapping triggers were a gamble.
    """

    name = "fission"
    catch_all = "/*"

    def paths_for(self, route: Route) -> List[str]:
        paths: List[str] = []
        for shape in route.shapes:
            if shape.tail:
                # A prefix can only be literal: the literal head, every variable part left to the guard.
                paths.append(shape.prefix() + "*")
                continue
            parts, _ = _templates(route, shape)
            path = "/" + "/".join(parts)
            paths.append(path)
            if route.slash_redirect and path.endswith("/") and path != "/":
                paths.append(path[:-1])
        return list(dict.fromkeys(paths))

    @staticmethod
    def prefix(gateway_path: str) -> str | None:
        """The ``spec.prefix`` of a prefix entry, ``None`` for a ``spec.relativeurl`` one."""
        return gateway_path[:-1] if gateway_path.endswith("*") else None

    def is_exact(self, gateway_path: str) -> bool:
        return self.prefix(gateway_path) is None and "{" not in gateway_path

    def matches(self, gateway_path: str, request_path: str) -> bool:
        prefix = self.prefix(gateway_path)
        if prefix is not None:
            return request_path.startswith(prefix)
        return _template_regex(gateway_path).fullmatch(request_path) is not None

    def select(self, table: Sequence[GatewayRoute], request_path: str, method: str) -> List[GatewayRoute]:
        matching = [e for e in table if self.matches(e.path, request_path)]
        exact = [e for e in matching if self.prefix(e.path) is None]
        if exact:
            return exact
        return _longest([(self.prefix(e.path) or "", e) for e in matching])

    def order_key(self, gateway_path: str) -> Tuple:
        prefix = self.prefix(gateway_path)
        if prefix is None:
            return (0, -gateway_path.count("/"), "{" in gateway_path, gateway_path)
        return (1, -len(prefix), prefix)

    def example(self, gateway_path: str) -> str:
        prefix = self.prefix(gateway_path)
        return prefix + "x" if prefix is not None else _fill_params(gateway_path)


def _template_regex(template: str) -> re.Pattern[str]:
    found = _TEMPLATES.get(template)
    if found is None:
        parts = re.split(r"(\{[^{}]*\})", template)
        regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        found = _TEMPLATES[template] = re.compile(regex)
    return found


_TEMPLATES: Dict[str, re.Pattern[str]] = {}


class FunctionIngressGateway(Gateway):
    """OpenFaaS ``FunctionIngress`` paths, as ingress-nginx matches them.

    The ingress-operator (openfaas/ingress-operator ``pkg/controller``) makes one Ingress per
    FunctionIngress, path ``spec.path`` (default ``/(.*)``), rewritten to ``/function/<name>/$1``;
    so the first group must hold the whole path after its ``/`` for the function to see the
    app's own path. ingress-nginx makes every path of a host with a rewrite a regex location
    ``~* "^<path>"``, case-insensitive, and orders them by length, longest first, the first
    match winning (https://kubernetes.github.io/ingress-nginx/user-guide/ingress-path-matching/).
    Entries here start with ``(?-i)`` (PCRE: case-sensitive, as the app's routes are), end an exact
    path with ``$`` and a prefix with ``.*``. Two matching paths of the same length: either may win.
    UNCONFIRMED: nothing was deployed; that every ingress-nginx release accepts the inline flag.
    """

    name = "openfaas"
    catch_all = "/(.*)"
    #: How every entry but the catch-all begins: case-sensitive from here, the group after the ``/``.
    opening = "(?-i)/("

    def paths_for(self, route: Route) -> List[str]:
        return _covering_paths(self, route, bare_prefix_entry=False)

    def exact_path(self, literal: str) -> str:
        return self.opening + re.escape(literal[1:]) + ")$"

    def prefix_path(self, prefix: str) -> str:
        return self.opening + re.escape(prefix[1:]) + ".*)"

    def parse(self, gateway_path: str) -> Tuple[bool, str]:
        """(is exact, the literal path or prefix) of an entry this class wrote."""
        if gateway_path == self.catch_all:
            return False, "/"
        if gateway_path.startswith(self.opening):
            body = gateway_path[len(self.opening) :]
            for exact, end in ((True, ")$"), (False, ".*)")):
                if body.endswith(end):
                    return exact, "/" + re.sub(r"\\(.)", r"\1", body[: -len(end)])
        raise ValueError(f"not a {self.name} ingress path faas-bridge writes: {gateway_path!r}")

    def is_exact(self, gateway_path: str) -> bool:
        return self.parse(gateway_path)[0]

    def matches(self, gateway_path: str, request_path: str) -> bool:
        exact, text = self.parse(gateway_path)
        return request_path == text if exact else request_path.startswith(text)

    def select(self, table: Sequence[GatewayRoute], request_path: str, method: str) -> List[GatewayRoute]:
        matching = [e for e in table if self.matches(e.path, request_path)]
        return _longest([(e.path, e) for e in matching])

    def order_key(self, gateway_path: str) -> Tuple:
        return (-len(gateway_path), gateway_path)

    def example(self, gateway_path: str) -> str:
        exact, text = self.parse(gateway_path)
        return text if exact else text + "x"


class KubelessGateway(FunctionIngressGateway):
    """Kubeless ``HTTPTrigger`` paths, as ingress-nginx matches the Ingress each one becomes.

    The http-trigger controller (kubeless/http-trigger ``pkg/utils/k8sutil.go``, CreateIngress)
    makes one ``extensions/v1beta1`` Ingress per trigger: path ``"/" + spec.path`` (no
    ``pathType``: ImplementationSpecific), annotation ``nginx.ingress.kubernetes.io/rewrite-target:
    /``, then the trigger's own annotations over those. The default target rewrites every request
    of a longer path to ``/`` (nginx ``rewrite`` replaces the whole URI; ingress-nginx
    ``buildProxyPass`` skips it only where path and target are equal), so a split's triggers set
    ``rewrite-target: /$1`` and a first group holding the path after the ``/``, as the OpenFaaS
    entries do; with a rewrite every path of the host is a regex location, case-insensitive,
    longest first (https://kubernetes.github.io/ingress-nginx/user-guide/ingress-path-matching/).
    Entries are Ingress paths: ``/(?-i)(`` opens each (the controller puts the ``/`` first),
    ``$`` ends an exact path and ``.*`` a prefix; the catch-all is ``/`` (``spec.path`` empty, the
    default target equal to it: nothing rewritten). UNCONFIRMED: nothing was deployed.
    """

    name = "kubeless"
    catch_all = "/"
    opening = "/(?-i)("


class OpenWhiskGateway(Gateway):
    """The OpenWhisk API Gateway (``wskdeploy`` ``apis``): relative paths under one base path.

    Rule (apache/openwhisk-apigateway ``scripts/lua/routing.lua``, ``findResource``): a resource
    whose path equals the request's wins; else the request path is cut back a segment at a time
    (``/a/b/c``, ``/a/b``, ``/a``, the base path) and at each length the resources with as many
    segments are tried: equal, equal but for a final ``/``, or a ``{name}`` template (a Lua pattern,
    unanchored: a ``{name}`` takes any text, a ``.`` any character, and a last literal segment may
    go on). So every resource also takes the paths below it, and the relative path ``/`` all the
    rest (the base path's own resource). Which of two matches of one length wins is the order of
    a Redis key list: both are kept. ``{name}`` must be letters and digits (``{%w+}``). The
    gateway's location reads the path only up to the first character outside
    ``[A-Za-z0-9-/._{} ]`` (``conf.d/managed_endpoints.conf``). A resource's methods do not fall
    through. Paths here are relative paths; ``BASE`` stands for the base path when matching.
    """

    name = "openwhisk"
    catch_all = "/"
    BASE = "b"
    _READ = re.compile(r"[A-Za-z0-9\-/._{} ]*[A-Za-z0-9\-/._{}]")

    def paths_for(self, route: Route) -> List[str]:
        paths: List[str] = []
        for shape in route.shapes:
            parts, _ = _templates(route, shape, name_re=r"[^A-Za-z0-9]")
            path = "/" + "/".join(parts)
            if shape.tail:
                # Every resource takes the paths below it: the head is the whole entry.
                path = path.rstrip("/") or "/"
            paths.append(path)
            if not shape.tail and route.slash_redirect and path.endswith("/") and path != "/":
                paths.append(path[:-1])
        return list(dict.fromkeys(paths))

    def _key(self, gateway_path: str) -> str:
        return self.BASE + gateway_path

    @staticmethod
    def _count(key: str) -> int:
        count = key.count("/")
        return 0 if count == 1 and key.endswith("/") else count

    def _lua_match(self, key: str, level: str) -> bool:
        found = _OW_PATTERNS.get(key)
        if found is None:
            parts = re.split(r"(\{[A-Za-z0-9]+\})", key)
            if len(parts) == 1:
                found = None
            else:
                regex = "".join(
                    "([^:]+)" if p.startswith("{") else ".".join(re.escape(c) for c in p.split("."))
                    for p in parts
                )
                found = re.compile(regex)
            _OW_PATTERNS[key] = found
        return found is not None and found.search(level) is not None

    def select(self, table: Sequence[GatewayRoute], request_path: str, method: str) -> List[GatewayRoute]:
        read = self._READ.match(request_path[1:])
        level = self._key("/" + (read.group(0) if read else ""))
        keys = [(self._key(e.path), e) for e in table]
        exact = [e for key, e in keys if key == level]
        if exact:
            return exact
        for count in range(level.count("/"), -1, -1):
            found = [
                e
                for key, e in keys
                if self._count(key) == count
                and (key == level or key == level + "/" or self._lua_match(key, level))
            ]
            if found:
                return found
            cut = level.rfind("/")
            if cut < 0:
                return []
            level = level[:cut]
        return []

    def is_exact(self, gateway_path: str) -> bool:
        return False  # a resource also takes every path below it

    def matches(self, gateway_path: str, request_path: str) -> bool:
        return bool(self.select([GatewayRoute(gateway_path, None, "")], request_path, "GET"))

    def order_key(self, gateway_path: str) -> Tuple:
        return (-self._count(self._key(gateway_path)), "{" in gateway_path, gateway_path)

    def example(self, gateway_path: str) -> str:
        return _fill_params(gateway_path)


_OW_PATTERNS: Dict[str, re.Pattern[str] | None] = {}


class FnTriggers:
    """Fn HTTP triggers (``func.yaml`` ``triggers``, ``type: http``): one literal ``source`` each.

    The Fn server looks a trigger up by its exact source under ``/t/<app>``
    (fnproject/fn ``api/server/runner_httptrigger.go``: ``GetTriggerBySource``); there are no
    path parameters and no wildcard, hence no catch-all: not a route table a plan can be
    checked against, only a translation that refuses what it cannot say.
    """

    name = "fn"

    def paths_for(self, route: Route) -> List[str]:
        from .._errors import ConfigError

        paths: List[str] = []
        for shape in route.shapes:
            if not shape.exact:
                raise ConfigError(
                    f"route {route.path} has a path parameter, and an Fn HTTP trigger matches one literal "
                    'path: build all-in-one (split = "all-in-one") and route paths to the function from '
                    "OCI API Gateway, which has path parameters and /{path*} routes"
                )
            literal = shape.literal_path()
            paths.append(literal)
            if route.slash_redirect and literal.endswith("/") and literal != "/":
                paths.append(literal[:-1])
        return list(dict.fromkeys(paths))


GATEWAYS: Dict[str, Gateway] = {
    g.name: g
    for g in (
        FCGateway(),
        AWSGateway(),
        SCFGateway(),
        NginxGateway(),
        OpenWhiskGateway(),
        FunctionIngressGateway(),
        KubelessGateway(),
        FissionGateway(),
    )
}


def gateway(name: str) -> Gateway:
    """The translator for ``fc``, ``aws``, ``scf``, ``nginx``, ``openwhisk``, ``openfaas``, ``kubeless``
    or ``fission``."""
    try:
        return GATEWAYS[name]
    except KeyError:
        raise ValueError(f"unknown gateway {name!r}: choose one of {', '.join(GATEWAYS)}") from None


def matches(gateway_name: str, gateway_path: str, request_path: str) -> bool:
    """Whether ``gateway_path`` (in that gateway's syntax) matches ``request_path``."""
    return gateway(gateway_name).matches(gateway_path, request_path)


def render_nginx(table: Sequence[GatewayRoute], upstream: str = "http://{function}") -> str:
    """An nginx ``location`` block per entry of an ``nginx`` table, proxying to ``upstream``."""
    lines = []
    for entry in table:
        target = upstream.format(function=entry.function)
        lines.append(f"location {entry.path} {{")
        if entry.methods is not None:
            lines.append(f"    limit_except {' '.join(entry.methods)} {{ deny all; }}")
        lines.append(f"    proxy_pass {target};")
        lines.append("}")
    return "\n".join(lines) + "\n"
