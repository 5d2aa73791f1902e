"""Where a path expression in the app's code points: the temp dir, the code, elsewhere, or unknown.

On a function only the temp dir is writable: the code package is unpacked read-only (FC ``/code``,
SCF ``/var/user``, Lambda ``/var/task``) and the working directory is that package, so a relative
path, ``__file__``'s folder or a project-root constant all land in read-only code.
"""

from __future__ import annotations

import ast
from typing import Dict, Optional

TMP = "tmp"
CODE = "code"
OTHER = "other"  # an absolute path outside the temp dir: not writable either
UNKNOWN = "unknown"

_TEMP_CALLS = {
    "gettempdir",
    "mkdtemp",
    "mkstemp",
    "TemporaryDirectory",
    "NamedTemporaryFile",
    "TemporaryFile",
    "SpooledTemporaryFile",
    "gettempdirb",
}
_CWD_CALLS = {"getcwd", "cwd", "getcwdb"}
# Calls whose result lies where their first argument (or receiver) does.
_SAME_PLACE_CALLS = {
    "join",
    "abspath",
    "realpath",
    "normpath",
    "dirname",
    "Path",
    "PurePath",
    "PosixPath",
    "str",
    "fspath",
    "resolve",
    "absolute",
    "joinpath",
    "with_name",
    "with_suffix",
    "expanduser",
}
# Attributes that name the project's own folders in Flask and Django apps.
_CODE_ATTRIBUTES = {
    "root_path",
    "instance_path",
    "BASE_DIR",
    "ROOT_DIR",
    "PROJECT_ROOT",
    "PROJECT_DIR",
    "APP_ROOT",
    "static_folder",
    "template_folder",
}


def classify_literal(text: str) -> str:
    """Where a literal path points."""
    if text.startswith("/tmp") or text.startswith("/dev/"):
        return TMP
    if text.startswith("/"):
        return OTHER
    if not text:
        return UNKNOWN
    return CODE


class PathResolver:
    """Classifies path expressions of one module, following its simple ``NAME = expr`` bindings."""

    def __init__(self, tree: ast.AST) -> None:
        self._bindings: Dict[str, ast.AST] = {}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                self._bindings.setdefault(node.targets[0].id, node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                self._bindings.setdefault(node.target.id, node.value)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        self._bindings.setdefault(item.optional_vars.id, item.context_expr)

    def where(self, node: Optional[ast.AST], depth: int = 0) -> str:
        """:data:`TMP`, :data:`CODE`, :data:`OTHER` or :data:`UNKNOWN`."""
        if node is None or depth > 12:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return classify_literal(node.value) if isinstance(node.value, str) else UNKNOWN
        if isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            if isinstance(first, ast.FormattedValue):
                return self.where(first.value, depth + 1)
            return self.where(first, depth + 1)
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return CODE
            if node.id in _CODE_ATTRIBUTES:
                return CODE
            bound = self._bindings.get(node.id)
            return self.where(bound, depth + 1) if bound is not None else UNKNOWN
        if isinstance(node, ast.Attribute):
            if node.attr in _CODE_ATTRIBUTES:
                return CODE
            if node.attr in ("parent", "parents", "name", "stem"):
                return self.where(node.value, depth + 1)
            return UNKNOWN
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add, ast.Mod)):
            return self.where(node.left, depth + 1)
        if isinstance(node, ast.Subscript):
            return (
                self._environment(node.slice, depth)
                if _is_environ(node.value)
                else self.where(node.value, depth + 1)
            )
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        return UNKNOWN

    def _call(self, node: ast.Call, depth: int) -> str:
        name = call_name(node)
        if name in _TEMP_CALLS:
            return TMP
        if name in _CWD_CALLS:
            return CODE
        if name in ("get", "getenv") and node.args and (name == "getenv" or _is_environ(_receiver(node))):
            key = self._environment(node.args[0], depth)
            if key == TMP:
                return TMP
            # The deployment decides; a default in the code is what runs when it does not.
            default = node.args[1] if len(node.args) > 1 else None
            return self.where(default, depth + 1) if default is not None else UNKNOWN
        if name in _SAME_PLACE_CALLS:
            if node.args:
                return self.where(node.args[0], depth + 1)
            receiver = _receiver(node)
            return self.where(receiver, depth + 1) if receiver is not None else UNKNOWN
        return UNKNOWN

    def _environment(self, key: ast.AST, depth: int) -> str:
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and "TMP" in key.value.upper():
            return TMP
        return UNKNOWN


def call_name(node: ast.Call) -> str:
    """The called name: ``open`` for ``open(...)``, ``makedirs`` for ``os.makedirs(...)``."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def dotted_name(node: ast.AST) -> str:
    """``os.path.join`` for that expression; ``""`` when it is not a plain dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _receiver(node: ast.Call) -> Optional[ast.AST]:
    return node.func.value if isinstance(node.func, ast.Attribute) else None


def _is_environ(node: Optional[ast.AST]) -> bool:
    return node is not None and dotted_name(node) in ("os.environ", "environ")
