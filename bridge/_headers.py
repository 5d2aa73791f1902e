"""The usual HTTP header names, spelled out once.

Lower-casing a header name makes a new string each time, and a platform reads every request and
response header; looking the usual names up in :data:`LOWER` costs a fraction of that (measured
with cachegrind, ``benchmarks/hotpath.md``). Any other name is lower-cased as before.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Tuple

#: Request headers: RFC 9110/9111's, the browsers' own, and what the gateways add
#: (reference/events/*.json).
REQUEST_NAMES: Tuple[str, ...] = (
    "accept", "accept-charset", "accept-encoding", "accept-language", "authorization",
    "cache-control", "content-length", "content-type", "cookie", "dnt", "forwarded", "host",
    "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "origin",
    "pragma", "priority", "range", "referer", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform",
    "sec-fetch-dest", "sec-fetch-mode", "sec-fetch-site", "sec-fetch-user", "transfer-encoding",
    "upgrade-insecure-requests", "user-agent", "via", "x-csrftoken", "x-forwarded-for",
    "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", "x-real-ip", "x-request-id",
    "x-requested-with",
    "cloudfront-forwarded-proto", "cloudfront-is-desktop-viewer", "cloudfront-is-mobile-viewer",
    "cloudfront-viewer-country", "x-amz-cf-id", "x-amzn-trace-id", "x-anonymous-consumer",
    "x-api-requestid", "x-api-scheme", "x-b3-traceid", "x-qualifier", "x-scf-remote-addr",
)  # fmt: skip

#: Response headers the frameworks set.
RESPONSE_NAMES: Tuple[str, ...] = (
    "access-control-allow-credentials", "access-control-allow-headers",
    "access-control-allow-methods", "access-control-allow-origin", "cache-control", "connection",
    "content-disposition", "content-encoding", "content-language", "content-length",
    "content-security-policy", "content-type", "cross-origin-opener-policy", "date", "etag",
    "expires", "keep-alive", "last-modified", "location", "referrer-policy", "server", "set-cookie",
    "strict-transport-security", "transfer-encoding", "vary", "x-content-type-options",
    "x-frame-options",
)  # fmt: skip


def _spellings(names: Tuple[str, ...]) -> Dict[str, str]:
    """Each name, lower case and canonical (``Content-Type``: Go's, FC's, most apps'), to lower case.

    ``str.title`` capitalises each dash-separated part of these names (made at import, in C: a
    Python loop over them cost a measurable share of a cold start).
    """
    lower = dict(zip(names, names))
    lower.update(zip(map(str.title, names), names))
    return lower


#: Lower case of the usual spellings of the usual names.
LOWER: Dict[str, str] = _spellings(REQUEST_NAMES + RESPONSE_NAMES)
