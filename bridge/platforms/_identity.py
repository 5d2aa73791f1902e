"""The caller API Gateway authenticated, and the stage variables: what an AWS REST or HTTP API event
carries beside the request when the route has an authorizer (``requestContext.authorizer``) or the
stage has variables.

Most events carry neither, so this loads with the first that does (:func:`._base.gateway_caller`
asks for it), not with every cold start.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

    from ._base import Caller


def caller_of(request_context: Dict[str, Any], event: Dict[str, Any]) -> Caller:
    """``(remote_user, identity, stage_variables)``: the caller API Gateway authenticated, and its
    stage variables (REST, HTTP API 1.0 and 2.0); each None where the event has none.

    ``identity`` is ``requestContext.authorizer`` as the gateway sent it: Cognito or JWT ``claims``
    (``jwt.claims`` in 2.0), a Lambda authorizer's ``principalId`` and context (``lambda`` in 2.0),
    or ``iam``. ``remote_user`` is the user it names: ``cognito:username``, else ``username``, else
    ``sub`` of the claims; the ``principalId``; the IAM ``userArn``
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html,
    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
    """
    variables = event.get("stageVariables")
    if variables.__class__ is not dict:
        variables = None
    authorizer = request_context.get("authorizer")
    user: Any = None
    identity: Optional[Dict[str, Any]] = None
    if authorizer.__class__ is dict and authorizer:
        identity = authorizer
        jwt = authorizer.get("jwt")
        claims = jwt.get("claims") if jwt.__class__ is dict else authorizer.get("claims")
        if claims.__class__ is dict:
            user = claims.get("cognito:username") or claims.get("username") or claims.get("sub")
        user = user or authorizer.get("principalId")
        iam = authorizer.get("iam")
        if not user and iam.__class__ is dict:
            user = iam.get("userArn")
    else:  # REST with IAM authorization: the caller is in requestContext.identity
        caller = request_context.get("identity")
        if caller.__class__ is dict and caller.get("userArn"):
            user = caller["userArn"]
            identity = {"iam": caller}
    return (user if user.__class__ is str and user else None), identity, variables
