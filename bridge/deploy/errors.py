"""Errors raised while writing deploy files or building packages; each says what to change."""

from __future__ import annotations

from .._errors import BridgeError


class DeployError(BridgeError):
    """A deploy file or a code package could not be produced."""


class DependencyInstallError(DeployError):
    """``pip install`` of the project's requirements for the target runtime failed."""


class NoCompatibleWheelError(DependencyInstallError):
    """A requirement has no wheel for the target platform and Python, so pip cannot fetch it."""

    def __init__(self, requirement: str, platform_tag: str, python_version: str) -> None:
        self.requirement = requirement
        self.platform_tag = platform_tag
        self.python_version = python_version
        super().__init__(
            f"no wheel of {requirement!r} fits the function runtime ({platform_tag}, CPython "
            f"{python_version}): packages are installed with --only-binary=:all: because an sdist "
            f"would be built for this machine, not the function's. Pin a version of {requirement!r} "
            f"that publishes a {platform_tag} or pure-Python wheel, put such a wheel in a directory "
            f"and pass --find-links DIR, or build the package on Linux for CPython {python_version}."
        )


class PackageVerifyError(DeployError):
    """The package lacks a module the app imports: it would fail on its first request."""

    def __init__(self, missing: object) -> None:
        self.missing = list(missing)  # type: ignore[call-overload]
        lines = "\n".join(f"  {item}" for item in self.missing)
        super().__init__(
            "the package does not hold every module the app imports:\n"
            f"{lines}\n"
            "Add the distribution that provides each to [project].dependencies in pyproject.toml or to "
            "requirements.txt (or name an optional group in `extras`), then build again; "
            "--no-verify skips this check."
        )


class PackageTooLargeError(DeployError):
    """The package exceeds a hard size limit of the platform."""
