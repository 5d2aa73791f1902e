"""The interface every cloud provider implements, and the resource model the deploy engine diffs.

A provider answers five questions (the shape of :class:`bridge.platforms.Platform`, for clouds):

- what should exist for this plan (:meth:`Provider.desired`),
- what exists now, among the resources this tool created for this project (:meth:`Provider.actual`,
  read calls only),
- how to make one resource exist, change, or go (:meth:`create`, :meth:`update`, :meth:`delete`:
  each one mutating call, or the fewest the vendor's API allows),
- where the deployed app answers (:meth:`endpoints`),
- how to call a function through the vendor's authenticated invoke API (:meth:`invoke`, for
  ``bridge manage``).

The engine (``bridge.cloud.engine``) owns the diff, the order, retries, dry runs and progress;
providers own nothing but their vendor's API. Adding a cloud is one module and one line in
``bridge.cloud.PROVIDERS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

from .._errors import BridgeError

if TYPE_CHECKING:
    from ..deploy.deployment import Deployment

#: Tag key on every resource this tool creates (value: the project name). ``remove`` and ``--prune``
#: touch only resources that carry it with this project's name.
TAG_KEY = "faas-bridge-project"

#: The event ``bridge manage`` sends through the invoke API; ``Bridge`` answers it only when the
#: handler enables management commands. The result is ``{"exit_code": int, "output": str}``.
MANAGE_EVENT_KEY = "faas-bridge-manage"


class CloudError(BridgeError):
    """A cloud call failed for good: names the step, the resource and the vendor's own message."""

    def __init__(self, step: str, resource: str, message: str, *, code: str = "") -> None:
        self.step = step
        self.resource = resource
        self.code = code
        self.vendor_message = message
        super().__init__(f"{step} {resource}: {code + ': ' if code else ''}{message}")


class RetryableError(CloudError):
    """Throttling, a 5xx or a network failure: the engine retries it with backoff, within a bound."""


class CredentialsError(BridgeError):
    """A credential is missing or rejected; the message names the variable to set."""


@dataclass
class Resource:
    """One remote resource, desired or actual, as the engine compares them.

    ``settings`` holds exactly the fields compared field by field (memory, timeout, runtime,
    handler, environment, code checksum in the vendor's own form ...). In a desired resource, every
    key is compared; keys an actual resource has beyond those are ignored.
    """

    #: ``function``, ``trigger``, ``domain``, ``api``, ``route``, ``integration``, ``url`` ...
    kind: str
    #: Unique within ``kind`` for this project (a trigger: ``<function>/<trigger>``).
    name: str
    settings: Dict[str, Any] = field(default_factory=dict)
    #: What the provider needs to act on the resource that is not compared (ids, ARNs, the zip path).
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> Tuple[str, str]:
        return (self.kind, self.name)

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass
class Change:
    """One step of a deploy: ``create``, ``update`` (with the fields that differ) or ``delete``."""

    action: str
    resource: Resource
    #: ``update`` only: field -> (deployed value, planned value).
    fields: Dict[str, Tuple[Any, Any]] = field(default_factory=dict)
    #: ``update`` only: the resource as deployed (ids the provider needs).
    current: Optional[Resource] = None


@dataclass
class Package:
    """The code package the plan ships: one zip serves every function of a split."""

    zip_path: Path
    size: int
    sha256_hex: str


class Provider:
    """One cloud. Subclasses set the class attributes and implement every method."""

    #: ``--platform`` value (``fc``, ``scf``, ``aws``).
    name: str = ""
    title: str = ""
    #: The order resource kinds are created in (deleted in reverse): a trigger after its function.
    kinds: Tuple[str, ...] = ("function",)
    #: Environment variable that overrides the API endpoint (besides ``--endpoint``).
    endpoint_variable: str = ""

    def __init__(self, *, region: str, endpoint: Optional[str], env: Mapping[str, str]) -> None:
        self.region = region
        self.endpoint = endpoint or (env.get(self.endpoint_variable) if self.endpoint_variable else None)
        self.env = env

    # --- optional, with defaults (added after the first contract; providers may override) ----------

    #: Environment variables naming the default region, the first one set wins (``--region`` beats
    #: them all). A provider whose SDK has its own chain (AWS) overrides :meth:`default_region`.
    region_variables: Tuple[str, ...] = ()

    @classmethod
    def default_region(cls, env: Mapping[str, str]) -> Optional[str]:
        """The region to use when ``--region`` is not given, or ``None``."""
        for name in cls.region_variables:
            if env.get(name):
                return env[name]
        return None

    def check_region(self) -> None:
        """Raise :class:`~bridge.ConfigError` when ``self.region`` is not one of the cloud's regions.

        Called before any API call, so a typo is one clear line rather than a connection error.
        The default accepts any region.
        """

    def check_credentials(self) -> None:
        """Raise :class:`CredentialsError` naming the variable when a credential is missing."""
        raise NotImplementedError

    def desired(self, deployment: Deployment, package: Package) -> List[Resource]:
        """Every resource the plan needs, from the same :class:`Deployment` ``bridge build`` renders."""
        raise NotImplementedError

    def actual(self, project: str) -> List[Resource]:
        """The resources tagged with ``project`` (:data:`TAG_KEY`), as deployed. Read calls only."""
        raise NotImplementedError

    def create(self, resource: Resource) -> None:
        raise NotImplementedError

    def update(self, change: Change) -> None:
        raise NotImplementedError

    def delete(self, resource: Resource) -> None:
        raise NotImplementedError

    def endpoints(self, resources: List[Resource]) -> Dict[str, str]:
        """Public URLs of the deployed app: ``{function or domain name: url}``."""
        raise NotImplementedError

    def invoke(self, function: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        """Call ``function`` synchronously through the vendor's authenticated invoke API."""
        raise NotImplementedError
