"""What the FC and SCF providers share: functions that carry their code, HTTP triggers, custom domains.

Both vendors take the code package inline, base64-encoded in the request; both return a function's
answer to the invoke API as text; both give each HTTP trigger a URL and a split app one domain.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, List

from .provider import CloudError, Resource


def zip_base64(resource: Resource) -> str:
    """The package of a function resource (``extra["zip_path"]``), base64-encoded for the API."""
    with open(resource.extra["zip_path"], "rb") as handle:
        return base64.b64encode(handle.read()).decode("ascii")


def endpoints(resources: List[Resource], protocol_key: str) -> Dict[str, str]:
    """``{function: trigger URL}`` and ``{domain: URL}``; a domain's scheme from its ``protocol_key`` setting.

    A protocol such as ``HTTP,HTTPS`` (FC) or ``HTTP&HTTPS`` (SCF) gives the first scheme it names.
    """
    urls: Dict[str, str] = {}
    for resource in resources:
        if resource.kind == "trigger" and resource.extra.get("url"):
            urls[resource.extra["function"]] = resource.extra["url"]
        elif resource.kind == "domain":
            protocol = str(resource.settings.get(protocol_key) or "HTTP")
            scheme = protocol.replace("&", ",").split(",")[0].strip().lower()
            urls[resource.name] = f"{scheme}://{resource.name}"
    return urls


def invocation_result(function: str, text: Any) -> Dict[str, Any]:
    """The JSON object a function returned through the invoke API; anything else is a :class:`CloudError`."""
    try:
        value = json.loads(text or "")
    except ValueError:
        raise CloudError(
            "invoke", f"function {function}", f"the function returned no JSON: {str(text)[:200]}"
        )
    if not isinstance(value, dict):
        raise CloudError("invoke", f"function {function}", f"the function returned {type(value).__name__}")
    return value
