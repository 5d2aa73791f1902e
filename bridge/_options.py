"""Per-handler settings shared by platforms and runners."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence

# Response content types sent as text; everything else is base64. The union of what apig-wsgi,
# serverless-wsgi, Mangum and Zappa treat as text (reference/aws-lambda.md §6.1), matched on the
# media type only: `text/*`, and any JSON, XML or JavaScript flavour.
DEFAULT_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/ecmascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/graphql",
    "image/svg+xml",
    "+json",
    "+xml",
)

#: How FC 3.0 responses carry repeated headers such as several ``Set-Cookie``.
FC_MULTI_HEADER_MODES = ("mutate", "list", "join")


class Options:
    """What a :class:`~bridge.Bridge` was told; read by platform modules and runners."""

    __slots__ = (
        "base_path",
        "stage_in_url",
        "text_prefixes",
        "text_suffixes",
        "fc_multi_header",
        "debug",
        "timeout",
        "interface",
    )

    def __init__(
        self,
        *,
        base_path: Optional[str] = None,
        stage_in_url: Optional[bool] = None,
        text_types: Optional[Sequence[str]] = None,
        fc_multi_header: str = "mutate",
        debug: bool = False,
        timeout: Optional[float] = None,
        interface: Optional[str] = None,
    ) -> None:
        if fc_multi_header not in FC_MULTI_HEADER_MODES:
            from ._errors import ConfigError

            raise ConfigError(
                f"fc_multi_header must be one of {FC_MULTI_HEADER_MODES}, not {fc_multi_header!r}"
            )
        if base_path:
            base_path = "/" + base_path.strip("/")
        self.base_path = base_path or None
        # None: detect per event (the stage is in the URL on a gateway's default domain only).
        self.stage_in_url = stage_in_url
        types = DEFAULT_TEXT_TYPES if text_types is None else text_types
        # Split once, so a response's media type is checked with one startswith and one endswith.
        self.text_prefixes = tuple(t.lower() for t in types if not t.startswith("+"))
        self.text_suffixes = tuple(t.lower() for t in types if t.startswith("+"))
        self.fc_multi_header = fc_multi_header
        self.debug = debug
        self.timeout = timeout
        # "wsgi" or "asgi", the app's kind: a platform whose server made a WSGI environ (FC 2.0)
        # reads only what the bridge needs of it when the app reads the rest itself.
        self.interface = interface
