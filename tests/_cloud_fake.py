"""An in-memory cloud for the deploy engine's tests: every call recorded, any call can be made to fail.

It keeps the resources the provider interface describes (functions and their routes), tags them,
answers :meth:`invoke` by running a handler the test gives it, and counts mutating calls so a test
can say "this deploy changed nothing". Real clouds are tested through their own emulators (moto for
AWS); this stand-in exercises only what the engine decides: the diff, the order, retries, failures.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict, List, Optional, Tuple

from bridge import ConfigError
from bridge.cloud.provider import (
    TAG_KEY,
    Change,
    CloudError,
    CredentialsError,
    Package,
    Provider,
    Resource,
    RetryableError,
)

MUTATING = ("create", "update", "delete")


class FakeCloud:
    """The remote state, shared by every provider instance of a test."""

    def __init__(self) -> None:
        #: (kind, name) -> (resource as stored, tags)
        self.resources: Dict[Tuple[str, str], Tuple[Resource, Dict[str, str]]] = {}
        self.calls: List[Tuple[str, str]] = []
        #: Fail the Nth mutating call (1-based) for good.
        self.fail_mutation: Optional[int] = None
        #: Throttle this many calls (any kind) before answering.
        self.throttle: int = 0
        self.handler: Optional[Callable[[Dict[str, Any], Any], Any]] = None

    def mutations(self) -> List[Tuple[str, str]]:
        return [call for call in self.calls if call[0] in MUTATING]

    def _call(self, operation: str, what: str) -> None:
        self.calls.append((operation, what))
        if self.throttle:
            self.throttle -= 1
            raise RetryableError(operation, what, "Rate exceeded", code="Throttling")
        if operation in MUTATING and self.fail_mutation == len(self.mutations()):
            raise CloudError(operation, what, "the service is unhappy", code="InternalFailure")


class FakeProvider(Provider):
    name = "aws"
    title = "Fake cloud"
    kinds = ("function", "route")
    endpoint_variable = "BRIDGE_FAKE_ENDPOINT"
    region_variables = ("FAKE_REGION",)
    cloud = FakeCloud()

    def check_credentials(self) -> None:
        if not self.env.get("FAKE_ACCESS_KEY"):
            raise CredentialsError("no fake cloud credentials: set FAKE_ACCESS_KEY")

    def check_region(self) -> None:
        if self.region not in ("north-1", "south-2"):
            raise ConfigError(f"region {self.region!r} is not a fake cloud region: use north-1 or south-2")

    def desired(self, deployment: Any, package: Package) -> List[Resource]:
        found = []
        for function in deployment.functions:
            settings = {
                "memory": function.memory,
                "timeout": function.timeout,
                "handler": deployment.handler,
                "environment": dict(function.environment),
                "code_sha256": package.sha256_hex,
            }
            found.append(Resource("function", function.name, settings, {"project": deployment.name}))
        for route in deployment.table("aws"):
            methods = ",".join(route.methods or ("ANY",))
            name = f"{methods} {route.path}"
            found.append(Resource("route", name, {"function": route.function}, {"project": deployment.name}))
        return found

    def actual(self, project: str) -> List[Resource]:
        self.cloud._call("list", project)
        return [
            copy.deepcopy(resource)
            for resource, tags in self.cloud.resources.values()
            if tags.get(TAG_KEY) == project
        ]

    def create(self, resource: Resource) -> None:
        self.cloud._call("create", str(resource))
        if resource.key in self.cloud.resources:
            raise CloudError("create", str(resource), "already exists", code="ResourceConflict")
        tags = {TAG_KEY: resource.extra["project"]}
        self.cloud.resources[resource.key] = (copy.deepcopy(resource), tags)

    def update(self, change: Change) -> None:
        self.cloud._call("update", str(change.resource))
        stored, tags = self.cloud.resources[change.resource.key]
        stored.settings.update(copy.deepcopy(change.resource.settings))

    def delete(self, resource: Resource) -> None:
        self.cloud._call("delete", str(resource))
        del self.cloud.resources[resource.key]

    def endpoints(self, resources: List[Resource]) -> Dict[str, str]:
        return {
            r.name: f"https://{r.name}.{self.region}.fake.example" for r in resources if r.kind == "function"
        }

    def invoke(self, function: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        self.cloud._call("invoke", function)
        if ("function", function) not in self.cloud.resources:
            raise CloudError("invoke", f"function {function}", "function not found", code="ResourceNotFound")
        assert self.cloud.handler is not None, "the test gives the cloud a handler to invoke"
        return self.cloud.handler(copy.deepcopy(payload), None)
