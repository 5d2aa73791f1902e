"""A custom HTTP event format, registered through the public ``bridge.Platform`` interface.

The format is Huawei FunctionGraph's APIG trigger (``tests/events/huawei-apig.json``, from its
documentation), which faas-bridge does not ship.
"""

from __future__ import annotations

import base64

import pytest
from _support import RecordingWSGI, load_event

from bridge import Bridge, ConfigError, HTTPRequest, HTTPResponse, Platform


class HuaweiApig(Platform):
    name = "huawei"
    title = "Huawei FunctionGraph APIG trigger"

    def matches(self, event):
        return "httpMethod" in event and "apiId" in (event.get("requestContext") or {})

    def decode(self, event, context, options):
        body = event.get("body") or ""
        raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
        headers = {k.lower(): v for k, v in event.get("headers", {}).items()}
        return HTTPRequest(
            event["httpMethod"],
            event["path"],
            event["path"].encode(),
            headers=headers,
            body=raw,
            server=(headers.get("host", "localhost"), 443),
            request_id=event["requestContext"]["requestId"],
            event=event,
            context=context,
        )

    def encode(self, response, request, options):
        return {
            "statusCode": response.status,
            "headers": dict(response.headers),
            "body": base64.b64encode(response.body).decode(),
            "isBase64Encoded": True,
        }


def test_a_registered_platform_serves_its_events():
    app = RecordingWSGI(body=b"hi")
    handler = Bridge(app, platforms=[HuaweiApig()])
    result = handler(load_event("huawei-apig"), None)
    assert result["statusCode"] == 200 and base64.b64decode(result["body"]) == b"hi"
    assert app.environ["PATH_INFO"] == "/apig-event-template"
    assert app.body_read == b'{"name": "OpenTelekomCloud"}'
    assert app.environ["bridge.request_id"] == "11cdcdcf33949dc6d722640a13091c77"
    # The built-in platforms still work on the same handler.
    assert handler(load_event("aws-http-v2"), None)["statusCode"] == 200


def test_platform_may_name_a_registered_platform():
    handler = Bridge(RecordingWSGI(), platforms=[HuaweiApig()], platform="huawei")
    assert handler(load_event("huawei-apig"), None)["statusCode"] == 200
    assert handler(load_event("aws-http-v2"), None)["statusCode"] == 400


def test_a_custom_platform_gets_the_bridges_checks_and_error_handling():
    event = load_event("huawei-apig")
    event["path"] = "no-slash"
    result = Bridge(RecordingWSGI(), platforms=[HuaweiApig()])(event, None)
    assert result["statusCode"] == 400


def test_only_named_platform_instances_are_accepted():
    with pytest.raises(ConfigError):
        Bridge(RecordingWSGI(), platforms=[object()])
    assert issubclass(HuaweiApig, Platform) and HTTPResponse
