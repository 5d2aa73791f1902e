"""Platform modules: one per event format, each a :class:`~bridge.platforms._base.Platform`.

Adding a platform is one module and one entry in :data:`EVENT_FORMATS` (JSON events) or
:data:`CALL_FORMATS` (a runtime's own request object). Order matters only where formats overlap:
the first that matches wins, so the most specific test comes first.

A platform's module is imported only when an event it may match arrives, or when it is named: a
cold start pays for the one format that serves it, not for all of them. Each entry lists keys that
every event its ``matches`` accepts carries (``a/b`` for a nested one; ``!key`` for one it never
carries); an event without them skips the entry without importing the module. The keys are a
cheap necessary condition, never the test itself: ``matches`` stays the judge.

``EVENT_PLATFORMS``, ``CALL_PLATFORMS``, ``PLATFORM_NAMES``, ``BY_NAME`` and ``Platform`` are
still here for tools and tests; reading the first two (or ``BY_NAME``) imports every module.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing costs start-up time; it is needed only by type checkers
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Tuple

    from ._base import Platform


class Entry:
    """One platform of the registry: its name, where its class lives, and the keys its events carry.

    ``platform`` imports the module and makes the instance on first use; every handler shares it
    (platforms hold no per-handler state).
    """

    __slots__ = ("name", "module", "cls", "keys", "dict_call", "_platform")

    def __init__(self, name: str, where: str, keys: Tuple[str, ...] = (), *, dict_call: bool = False) -> None:
        self.name = name
        self.module, _, self.cls = where.partition(":")
        # As written ("requestContext/elb", "!rawQueryString"), split by may_match when asked (an
        # event the remembered platform does not match): parsed here, they cost every cold start
        # a loop per entry (benchmarks/hotpath.md, "Fifth pass").
        self.keys = keys
        self.dict_call = dict_call
        self._platform: Optional[Platform] = None

    @classmethod
    def of(cls, platform: Platform) -> Entry:
        """An entry for a platform already made (a custom one): always asked, nothing to import."""
        entry = cls(platform.name, "")
        entry._platform = platform
        return entry

    @property
    def platform(self) -> Platform:
        platform = self._platform
        if platform is None:
            name = f"{__name__}.{self.module}"
            __import__(name)  # importlib itself need not be loaded in a bare runtime
            platform = self._platform = getattr(sys.modules[name], self.cls)()
        return platform

    def may_match(self, event: Dict[str, Any]) -> bool:
        """False when ``event`` lacks a key every event of this platform carries (nothing imported)."""
        for key in self.keys:
            if key[0] == "!":
                if key[1:] in event:
                    return False
                continue
            node: Any = event
            for part in key.split("/"):
                if not isinstance(node, dict) or part not in node:
                    return False
                node = node[part]
        return True

    def __repr__(self) -> str:
        return f"<Entry {self.name} {self.module}:{self.cls}>"


#: JSON-event platforms, in detection order, with the keys their events always carry.
EVENT_FORMATS: Tuple[Entry, ...] = (
    # `rawPath` + `queryParameters` is FC's alone: AWS v2 also has `rawPath` but `rawQueryString`.
    Entry("fc", "fc3:FC3", ("rawPath", "requestContext", "!rawQueryString")),
    Entry("aws-v2", "aws_v2:AwsHttpApiV2", ("version", "requestContext")),
    Entry("alb", "aws_alb:AwsAlb", ("requestContext/elb",)),
    Entry("aws-v1", "aws_v1:AwsApiGatewayV1", ("httpMethod",)),
    Entry("scf", "scf:ScfApiGateway", ("queryString", "httpMethod", "requestContext/serviceId")),
    Entry("scf-url", "scf:ScfFunctionUrl", ("queryString", "httpMethod")),
    # After AWS REST, whose events carry the same keys plus `resource`.
    Entry("huawei", "huawei:HuaweiApig", ("httpMethod", "requestContext/apiId")),
    Entry("openwhisk", "openwhisk:OpenWhiskWebAction", ("__ow_method", "__ow_headers")),
)

#: Platforms that call the handler with a request object, not a JSON event (``Platform.matches_call``).
CALL_FORMATS: Tuple[Entry, ...] = (
    Entry("azure", "azure:AzureFunctions"),
    # Before Google: both are Flask requests, Fission's carry the router's headers.
    Entry("fission", "fission:FissionPython"),
    Entry("gcf", "gcf:GoogleCloudFunctions"),
    Entry("fn", "fn:FnProject"),
    Entry("openfaas", "openfaas:OpenFaaSHttp"),
    # handler(environ, start_response): a dict call (Platform.dict_call), its environ's key.
    Entry("fc2", "fc2:FC2", ("wsgi.input",), dict_call=True),
    # handler(event, context), a dict holding a bottle request: a dict call too.
    Entry("kubeless", "kubeless:KubelessPython", ("extensions", "event-id"), dict_call=True),
)

#: Every platform name ``Bridge(platform=...)`` and the CLI accept.
PLATFORM_NAMES: Tuple[str, ...] = tuple(e.name for e in EVENT_FORMATS + CALL_FORMATS)


def __getattr__(name: str) -> Any:
    # The platform instances themselves, for tools and tests: importing them all is their price.
    if name == "EVENT_PLATFORMS":
        return tuple(e.platform for e in EVENT_FORMATS)
    if name == "CALL_PLATFORMS":
        return tuple(e.platform for e in CALL_FORMATS)
    if name == "BY_NAME":
        return {e.name: e.platform for e in EVENT_FORMATS + CALL_FORMATS}
    if name == "Platform":
        from ._base import Platform

        return Platform
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BY_NAME",
    "CALL_FORMATS",
    "CALL_PLATFORMS",
    "EVENT_FORMATS",
    "EVENT_PLATFORMS",
    "Entry",
    "PLATFORM_NAMES",
    "Platform",
]
