"""Deploy files and code packages: what ``bridge build`` and ``bridge package`` write.

One emitter per platform lives in :mod:`bridge.deploy.targets` (``fc``, ``scf``, ``aws``), each
turning a :class:`~bridge.deploy.deployment.Deployment` into ``{relative_path: text}``. The code
package is platform-neutral apart from its start script and is built by :mod:`bridge.deploy.package`.

Nothing here is imported by ``import bridge``: the CLI loads it when a build command runs.
"""

from __future__ import annotations

from .deployment import DeployedFunction, Deployment, DeployOptions
from .errors import DependencyInstallError, DeployError, NoCompatibleWheelError
from .package import PackageReport, build_package
from .targets import TARGETS, Target, get_target

__all__ = [
    "TARGETS",
    "DependencyInstallError",
    "DeployError",
    "DeployOptions",
    "DeployedFunction",
    "Deployment",
    "NoCompatibleWheelError",
    "PackageReport",
    "Target",
    "build_package",
    "get_target",
]
