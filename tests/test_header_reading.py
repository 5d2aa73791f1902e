"""The fast paths of reading an event's headers and stage give what the careful paths give.

``read_headers`` copies a map of usual lower-case names in C (HTTP API 2.0) and unpacks one-value
lists in C (REST, ALB); REST v1 recognises the execute-api Host without normalising it. Each case
here is one the fast path must hand to the careful one, or must read exactly as the careful one.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from bridge import Bridge
from bridge._options import Options
from bridge.platforms._base import read_headers, set_header
from bridge.platforms.aws_v1 import AwsApiGatewayV1
from bridge.platforms.aws_v2 import AwsHttpApiV2

EVENTS = Path(__file__).parent / "events"


def _event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def test_usual_lower_case_names_are_copied_not_shared():
    headers = {"host": "example.com", "accept": "*/*", "x-forwarded-proto": "https"}
    pairs, index = read_headers(headers, "t")
    assert pairs is index and index == headers and index is not headers
    set_header(pairs, index, "cookie", "a=1")
    assert "cookie" not in headers  # the event's own map is never changed


@pytest.mark.parametrize(
    "headers, expected_pairs",
    [
        # A non-string value among usual names: the careful path spells it as text.
        ({"host": "example.com", "content-length": 12}, [("host", "example.com"), ("content-length", "12")]),
        # Two values of one name: both kept, in order.
        ({"Accept": ["a", "b"], "Host": ["h"]}, [("accept", "a"), ("accept", "b"), ("host", "h")]),
        # No value at all: the name is dropped.
        ({"Accept": [], "Host": ["h"]}, [("host", "h")]),
        # A list holding a non-string.
        ({"X-Count": [3], "Host": ["h"]}, [("x-count", "3"), ("host", "h")]),
    ],
)
def test_unusual_maps_take_the_careful_path(headers, expected_pairs):
    pairs, index = read_headers(headers, "t")
    assert pairs == expected_pairs
    assert index["host"] == dict(expected_pairs)["host"]


def test_one_value_lists_read_like_strings():
    multi = {"Accept": ["*/*"], "Host": ["example.com"], "X-Custom": ["v"]}
    single = {"Accept": "*/*", "Host": "example.com", "X-Custom": "v"}
    assert read_headers(multi, "t") == read_headers(single, "t")
    assert read_headers(multi, "t")[1] == {"accept": "*/*", "host": "example.com", "x-custom": "v"}


def test_v2_cookies_do_not_change_the_events_headers():
    event = _event("aws-http-v2.json")
    event["cookies"] = ["a=1", "b=2"]
    before = copy.deepcopy(event["headers"])
    request = AwsHttpApiV2().decode(event, None, Options())
    assert request.header("cookie").endswith("a=1; b=2")
    assert event["headers"] == before


@pytest.mark.parametrize(
    "host, root_path",
    [
        ("abc123.execute-api.us-east-1.amazonaws.com", "/prod"),
        ("ABC123.Execute-API.us-east-1.AMAZONAWS.com", "/prod"),  # normalised, then matched
        ("abc123.execute-api.us-east-1.amazonaws.com:443", "/prod"),  # with a port
        ("abc123.execute-api.cn-north-1.amazonaws.com.cn", "/prod"),
        ("api.example.com", ""),  # a custom domain: the stage is not in the URL
        ("a:b.amazonaws.com", ""),  # not a host name: never taken for the default domain
    ],
)
def test_rest_stage_in_url_by_host(host, root_path):
    event = _event("aws-apigw-v1.json")
    event["requestContext"]["stage"] = "prod"
    event["headers"] = {"Host": host}
    event["multiValueHeaders"] = {"Host": [host]}
    request = AwsApiGatewayV1().decode(event, None, Options())
    assert request.root_path == root_path


def test_rest_empty_stage_variables_reach_the_app_as_given():
    event = _event("aws-apigw-v1.json")
    event["stageVariables"] = {}
    event["requestContext"]["authorizer"] = None
    event["requestContext"].setdefault("identity", {}).pop("userArn", None)
    seen = {}

    def app(environ, start_response):
        seen["variables"] = environ["bridge.stage_variables"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    assert Bridge(app)(event, None)["statusCode"] == 200
    assert seen["variables"] == {}
