"""``bridge serve --as-deployed``: each function runs from the built package, as the platform runs it.

What the local gateway otherwise hides, and the cloud does not:

- **read-only code**: ``code.zip`` (from ``bridge build`` or ``bridge package``) is unpacked into a
  directory made read-only (``chmod -R a-w``); as root, where permissions do not bind, an audit
  hook (PEP 578, https://peps.python.org/pep-0578/) refuses writes under it with ``EROFS``, the
  error a function's read-only code directory gives. Only a per-instance temporary directory is
  writable: ``TMPDIR`` and ``HOME`` point at it, standing in for ``/tmp``;
- **only the package's modules**: ``sys.path`` is the package directory and the standard library,
  so a dependency missing from the package fails here as it would there (faas-bridge itself is the
  copy this gateway runs, the same source the package carries);
- **the platform's environment**: its documented variables (function name, memory, region ...),
  the function's own environment from the deploy file (references resolved from this shell or
  their defaults), and ``BRIDGE_FUNCTION`` when split;
- **memory and timeout**: the function's memory caps the instance's address space
  (``RLIMIT_AS``; address space is more than resident memory, so this is a ceiling that fails
  sooner rather than later) and its timeout is the gateway's.

The gateway writes the settings to a JSON file named by ``BRIDGE_DEPLOYED``; each worker's target
is ``bridge.gateway.deployed:functions.<name>``.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict

from .._errors import ConfigError

#: Environment variable naming the settings file of the deployed functions.
DEPLOYED_ENV = "BRIDGE_DEPLOYED"
#: The deploy target whose package each emulated platform runs.
TARGET_FOR_PLATFORM = {
    "fc": "fc",
    "fc2": "fc",
    "scf": "scf",
    "scf-url": "scf",
    "aws-v1": "aws",
    "aws-v2": "aws",
    "alb": "aws",
}
TARGET = "bridge.gateway.deployed:functions.{function}"


def prepare(project_dir: str, platform: str, build_dir: str | None = None) -> Dict[str, Any]:
    """Unpack the built package read-only and write the settings file; returns the settings.

    Sets ``BRIDGE_DEPLOYED`` in this process, whose environment every worker inherits.
    """
    from ..deploy.build import read_manifest

    target = TARGET_FOR_PLATFORM[platform]
    out = Path(build_dir) if build_dir else Path(project_dir) / "build" / target
    out = out.resolve()
    built = read_manifest(out)
    archive = out / "code.zip"
    if not built or not archive.is_file():
        raise ConfigError(
            f"--as-deployed runs the built package, and {out} has none: run "
            f"`bridge build --platform {target} --project {project_dir}` first (or pass --build DIR)"
        )
    if built.get("mode") == "web":
        raise ConfigError("--as-deployed runs event-mode packages; this one was built with --mode web")
    root = Path(tempfile.mkdtemp(prefix="bridge-deployed-"))
    import atexit
    import shutil

    def remove() -> None:
        _make_writable(root)
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(remove)
    os.chmod(root, 0o755)
    code = root / "code"
    with zipfile.ZipFile(archive) as package:
        package.extractall(code)
    _make_read_only(code)
    settings = {
        "code": str(code),
        "tmp": str(root / "tmp"),
        "platform": platform,
        "handler": built["handler"],
        "functions": built.get("settings") or {},
        "split": len(built.get("functions") or []) > 1,
        "strategy": built.get("split"),
        "depth": built.get("depth"),
    }
    (root / "tmp").mkdir(mode=0o777)
    os.chmod(root / "tmp", 0o777)
    path = root / "deployed.json"
    path.write_text(json.dumps(settings, indent=1), encoding="utf-8")
    os.environ[DEPLOYED_ENV] = str(path)
    settings["names"] = list(built.get("functions") or [])
    return settings


def _make_read_only(directory: Path) -> None:
    for path in [directory, *directory.rglob("*")]:
        mode = path.stat().st_mode
        executable = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
        readable = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
        if path.is_dir() or mode & stat.S_IXUSR:
            os.chmod(path, readable | executable)
        else:
            os.chmod(path, readable)


def _make_writable(directory: Path) -> None:
    for path in [directory, *directory.rglob("*")]:
        try:
            os.chmod(path, path.stat().st_mode | stat.S_IWUSR)
        except OSError:
            pass


# --- inside the instance process --------------------------------------------------------------


class _Functions:
    """``functions.<name>``: the handler of function ``name`` from the unpacked package."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return instance(name)


functions = _Functions()


def instance(name: str) -> Any:
    """Set this process up as function ``name``'s instance and return the package's handler."""
    path = os.environ.get(DEPLOYED_ENV)
    if not path:
        raise ConfigError(f"{DEPLOYED_ENV} is not set: run this through `bridge serve --as-deployed`")
    with open(path, encoding="utf-8") as file:
        settings = json.load(file)
    function = (settings["functions"] or {}).get(name, {})
    code = settings["code"]
    scratch = tempfile.mkdtemp(prefix=f"{name}-", dir=settings["tmp"])
    environment = platform_environment(settings["platform"], name, function, settings["handler"], code)
    environment.update(resolved(function.get("environment") or {}))
    if settings.get("split"):
        environment["BRIDGE_FUNCTION"] = name
    environment.update(TMPDIR=scratch, HOME=scratch)
    os.environ.update(environment)
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    _refuse_writes_under(code)
    memory = function.get("memory")
    if memory:
        import resource

        limit = int(memory) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.chdir(code)
    sys.path[:] = [code] + _standard_library(sys.path)
    module_name, _, attribute = settings["handler"].rpartition(".")
    import importlib

    module = importlib.import_module(module_name)
    return getattr(module, attribute)


def platform_environment(
    platform: str, name: str, function: Dict[str, Any], handler: str, code: str
) -> Dict[str, str]:
    """The variables each platform documents for a function instance (values stand-ins where
    they name an account or an instance)."""
    memory = str(function.get("memory") or 512)
    if platform in ("fc", "fc2"):
        # https://help.aliyun.com/zh/functioncompute/fc-3-0/user-guide/environment-variables
        return {
            "FC_FUNCTION_NAME": name,
            "FC_FUNCTION_HANDLER": handler,
            "FC_FUNCTION_MEMORY_SIZE": memory,
            "FC_FUNC_CODE_PATH": code,
            "FC_REGION": "cn-hangzhou",
            "FC_ACCOUNT_ID": "0000000000000000",
            "FC_INSTANCE_ID": "local-instance",
            "FC_QUALIFIER": "LATEST",
        }
    if platform in ("scf", "scf-url"):
        # https://cloud.tencent.com/document/product/583/30228
        return {
            "SCF_FUNCTIONNAME": name,
            "SCF_FUNCTIONVERSION": "$LATEST",
            "SCF_NAMESPACE": "default",
            "SCF_MEMORYSIZE": memory,
            "TENCENTCLOUD_REGION": "ap-guangzhou",
            "TENCENTCLOUD_APPID": "1250000000",
        }
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
    return {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": memory,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": code,
        "_HANDLER": handler,
        "TZ": ":UTC",
    }


def resolved(environment: Dict[str, str]) -> Dict[str, str]:
    """The deploy file's environment with each reference replaced as the deploy tool would: from
    this shell, else its default, else empty (the deploy tool would refuse; the log says so)."""
    import logging

    from ..deploy import variables

    log = logging.getLogger("bridge")
    out = {}
    for key, value in environment.items():

        def spell(name: str, default: str | None, key: str = key) -> str:
            if name in os.environ:
                return os.environ[name]
            if default is None:
                log.warning("%s refers to ${env.%s}, which is not set here and has no default", key, name)
            return default or ""

        out[key] = variables.respell(value, spell)
    return out


def _standard_library(path: list) -> list:
    """The entries of ``path`` that hold the standard library (no site-packages)."""
    import sysconfig

    roots = {os.path.realpath(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib")}
    kept = []
    for entry in path:
        real = os.path.realpath(entry) if entry else ""
        if "site-packages" in real or "dist-packages" in real:
            continue
        if any(real == root or real.startswith(root + os.sep) for root in roots) or real.endswith(".zip"):
            kept.append(entry)
    return kept


def _refuse_writes_under(code: str) -> None:
    """Writes under the code directory fail with EROFS, even for root (whom chmod does not stop)."""
    prefix = os.path.realpath(code) + os.sep

    def inside(path: Any) -> bool:
        if isinstance(path, int):
            return False
        try:
            text = os.fsdecode(path)
        except TypeError:
            return False
        return os.path.realpath(text).startswith(prefix) or os.path.realpath(text) + os.sep == prefix

    def refuse(path: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system (the function's code directory)", os.fsdecode(path))

    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & write_flags
            )
            if writing and inside(path):
                refuse(path)
        elif event in ("os.mkdir", "os.remove", "os.rmdir", "os.chmod", "os.truncate", "os.utime"):
            if inside(args[0]):
                refuse(args[0])
        elif event in ("os.rename", "os.link", "os.symlink"):
            if inside(args[0]) or inside(args[1]):
                refuse(args[1])
        elif event == "sqlite3.connect":
            # SQLite opens an existing file read-only on a read-only file system; creating one fails.
            database = args[0]
            path_like = isinstance(database, (str, bytes, os.PathLike))
            if path_like and inside(database) and not os.path.exists(database):
                refuse(database)

    sys.addaudithook(hook)
