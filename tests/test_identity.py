"""The caller the gateway authenticated, and stage variables, in the environ and the ASGI scope.

Authorizer shapes from AWS's documentation of the proxy integration events
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
"""

from __future__ import annotations

import pytest
from _support import RecordingASGI, RecordingWSGI, load_event

from bridge import Bridge

COGNITO = {"claims": {"sub": "7d8e-…", "cognito:username": "alice", "email": "alice@example.com"}}
JWT_V2 = {"jwt": {"claims": {"sub": "user-123", "iss": "https://issuer"}, "scopes": ["read"]}}
LAMBDA_V1 = {"principalId": "user|bob", "tenant": "acme"}
LAMBDA_V2 = {"lambda": {"tenant": "acme"}}
IAM_V2 = {"iam": {"userArn": "arn:aws:iam::123456789012:user/carol", "userId": "AIDA…"}}


@pytest.mark.parametrize(
    "name,authorizer,user",
    [
        ("aws-apigw-v1", COGNITO, "alice"),
        ("aws-apigw-v1", LAMBDA_V1, "user|bob"),
        ("aws-http-v2", JWT_V2, "user-123"),
        ("aws-http-v2", IAM_V2, "arn:aws:iam::123456789012:user/carol"),
        ("aws-http-v2", LAMBDA_V2, None),
    ],
)
def test_aws_authorizer_context_and_remote_user(name, authorizer, user):
    event = load_event(name)
    event["requestContext"]["authorizer"] = authorizer
    wsgi, asgi = RecordingWSGI(), RecordingASGI()
    Bridge(wsgi)(event, None)
    Bridge(asgi)(event, None)
    assert wsgi.environ["bridge.identity"] == authorizer == asgi.scope["bridge.identity"]
    assert wsgi.environ.get("REMOTE_USER") == user == asgi.scope.get("bridge.remote_user")


def test_rest_iam_caller_from_request_context_identity():
    event = load_event("aws-apigw-v1")
    event["requestContext"]["identity"]["userArn"] = "arn:aws:iam::123456789012:user/dave"
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.environ["REMOTE_USER"] == "arn:aws:iam::123456789012:user/dave"


def test_no_authorizer_no_remote_user():
    app = RecordingWSGI()
    Bridge(app)(load_event("aws-apigw-v1"), None)
    assert "REMOTE_USER" not in app.environ and app.environ["bridge.identity"] is None


def test_stage_variables_are_reachable():
    event = load_event("aws-apigw-v1")
    wsgi, asgi = RecordingWSGI(), RecordingASGI()
    Bridge(wsgi)(event, None)
    Bridge(asgi)(event, None)
    assert wsgi.environ["bridge.stage_variables"] == event["stageVariables"]
    assert asgi.scope["bridge.stage_variables"] == event["stageVariables"]


def test_scf_key_pair_caller_is_the_remote_user():
    # The documented sample's requestContext.identity holds the signing secretId.
    event = load_event("scf-apigw-documented")
    app = RecordingWSGI()
    Bridge(app)(event, None)
    assert app.environ["REMOTE_USER"] == "abdcdxxxxxxxsdfs"
    assert app.environ["bridge.identity"] == {"secretId": "abdcdxxxxxxxsdfs"}
    assert app.environ["bridge.stage_variables"] == event["stageVariables"]


def test_scf_anonymous_api_has_no_remote_user():
    app = RecordingWSGI()
    Bridge(app)(load_event("scf-apigw-repeated-query"), None)  # identity {} (scf-go-lib's event)
    assert "REMOTE_USER" not in app.environ
