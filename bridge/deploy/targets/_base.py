"""The interface every deploy target implements, and the checks they share.

A target answers: which runtime name and start-script interpreter does Python X.Y have here, are a
function's memory and timeout allowed, and what deploy files describe a :class:`Deployment`
(:meth:`Target.render`, ``{relative path: text}``). Adding a platform is one module and one line
in :data:`bridge.deploy.targets.TARGETS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from ..._errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from ..deployment import Deployment, DeployOptions

MB = 1024 * 1024

#: Name of the package (a directory, and the same tree zipped) inside the output directory.
CODE_DIR = "code"
CODE_ZIP = "code.zip"


class SizeLimit:
    """One platform limit on a code package, with where it comes from.

    ``confirmed`` is true when the figure is in the team's reference notes (``shared/reference``);
    figures found elsewhere carry their source and are reported as UNCONFIRMED.
    """

    __slots__ = ("what", "unzipped", "limit_bytes", "source", "confirmed")

    def __init__(self, what: str, *, unzipped: bool, limit_bytes: int, source: str, confirmed: bool) -> None:
        self.what = what
        #: True: the limit applies to the extracted files; False: to the zip.
        self.unzipped = unzipped
        self.limit_bytes = limit_bytes
        self.source = source
        self.confirmed = confirmed


class Target:
    """One platform's deploy files. Subclasses set the attributes and :meth:`render`."""

    #: ``--platform`` value.
    name: str = ""
    #: Human name used in messages.
    title: str = ""
    #: The deploy file :meth:`render` writes (for messages; render may write more).
    deploy_file: str = ""
    #: Web-mode start script name; empty when the platform has no web mode here.
    bootstrap_name: str = ""
    #: One line saying where the platform documents the start script (a comment in it).
    bootstrap_doc: str = ""
    #: Python versions with a managed runtime on the platform.
    python_versions: Tuple[str, ...] = ()
    #: Allowed memory sizes: (minimum, maximum, step) in MB; ``step`` counts from the minimum.
    memory_mb: Tuple[int, int, int] = (128, 3072, 1)
    #: Allowed function timeout: (minimum, maximum) in seconds.
    timeout_s: Tuple[int, int] = (1, 900)
    size_limits: Tuple[SizeLimit, ...] = ()
    #: What to do when the package is over a size limit: (advice, public vendor documentation).
    size_advice: Tuple[Tuple[str, str], ...] = ()

    def gateway(self, options: DeployOptions) -> str:
        """The route table (``Plan.table`` name) that sends requests to the functions."""
        return self.name

    def runtime(self, python_version: str) -> str:
        """The platform's name for the Python ``python_version`` runtime (``python3.10``)."""
        raise NotImplementedError

    def web_interpreter(self, python_version: str) -> str:
        """Absolute path of the interpreter a web-mode start script runs."""
        raise ConfigError(f"{self.title} has no web mode in faas-bridge: use --mode event")

    def render(self, deployment: Deployment) -> Dict[str, str]:
        """``{path relative to the output directory: text}`` of the deploy files."""
        raise NotImplementedError

    def package_files(self, deployment: Deployment) -> Dict[str, str]:
        """``{path in the package: text}`` the platform needs beside the app (Azure's
        ``function_app.py`` and ``host.json``, Google's ``main.py``); none by default."""
        return {}

    def packaged_files(self, deployment: Deployment, zip_path: Path) -> Dict[str, str]:
        """``{path relative to the output directory: text}`` of deploy files that hold the built
        package itself (Kubeless's ``Function``), written once ``zip_path`` exists; none by default."""
        return {}

    def notes(self, deployment: Deployment) -> List[str]:
        """Things the user should know about this deployment on this platform."""
        return []

    def too_large_message(self, package: Dict[str, Any]) -> str:
        """Why a package (``PackageReport.as_dict()``) cannot be deployed as it is, and what to do."""
        over = [limit for limit in package["limits"] if limit["over"]]
        lines = [
            f"{package['zip']} is over {len(over)} {self.title} size limit(s):",
            *(
                f"  {limit['measured_bytes'] / MB:.1f} MB > {limit['limit_bytes'] / MB:.1f} MB: "
                f"{limit['what']} ({limit['source']})"
                for limit in over
            ),
            "What to do:",
            *(f"  - {advice} ({url})" for advice, url in self.size_advice),
            "  - trim the package: `exclude` what the app does not run (data, docs), and drop dependencies "
            "the app does not import",
        ]
        return "\n".join(lines)

    def check(self, deployment: Deployment) -> None:
        """Raise :class:`ConfigError` naming what to change when the deployment cannot run here."""
        version = deployment.python_version
        if version not in self.python_versions:
            raise ConfigError(
                f"{self.title} offers no Python {version} runtime for new functions; set `runtime` to one of "
                + ", ".join(f"python{v}" for v in self.python_versions)
            )
        if deployment.options.mode == "web":
            self.web_interpreter(version)
        low, high, step = self.memory_mb
        for function in deployment.functions:
            if not (low <= function.memory <= high and (function.memory - low) % step == 0):
                rule = f"{low}-{high} MB" + (f" in steps of {step} MB" if step > 1 else "")
                raise ConfigError(
                    f"function {function.name!r}: memory {function.memory} MB is not allowed on "
                    f"{self.title} ({rule}); change `memory` in the project or its group"
                    + ("" if getattr(function, "http", True) else " (the jobs function: in [jobs])")
                )
            if not self.timeout_s[0] <= function.timeout <= self.timeout_s[1]:
                raise ConfigError(
                    f"function {function.name!r}: timeout {function.timeout} s is outside "
                    f"{self.timeout_s[0]}-{self.timeout_s[1]} s on {self.title}; change "
                    + ("`timeout`" if getattr(function, "http", True) else "`timeout` in [jobs]")
                )

    def __repr__(self) -> str:
        return f"<Target {self.name}>"


def header(deployment: Deployment, target: Target) -> str:
    """The comment opening every generated deploy file."""
    return (
        f"# Generated by faas-bridge for {deployment.name} "
        f"({target.title}, {deployment.options.mode} mode):\n"
        f"# do not edit, run `bridge build --platform {target.name}` again.\n"
    )
