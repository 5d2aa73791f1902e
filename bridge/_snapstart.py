"""AWS Lambda SnapStart for Python: the instance's start-up work goes into the snapshot.

With SnapStart, Lambda runs a published version's initialisation once, snapshots the memory, and
starts every new instance from that snapshot; code registered with the runtime's
``snapshot_restore_py`` module runs just before the snapshot and just after each restore
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html). The bridge
registers its cold-start work (``on_cold_start`` hooks, then ASGI lifespan startup) to run before
the snapshot, so no restored instance pays for it, and its ``on_restore`` hooks to run after each
restore: connections opened before the snapshot are stale, and every instance restored from one
snapshot would otherwise share the same random state
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html).

Lambda sets ``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`` while it initialises a version for its
snapshot (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html); elsewhere this
module is not even imported.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: The value of ``AWS_LAMBDA_INITIALIZATION_TYPE`` in a SnapStart initialisation.
SNAP_START = "snap-start"


def snapshot_pending() -> bool:
    """True while Lambda initialises a version it will snapshot."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == SNAP_START


def arrange(handler: Any) -> bool:
    """Register ``handler.initialize`` before the snapshot and ``handler.restore`` after each restore.

    False (and one warning) when the runtime has no ``snapshot_restore_py`` (a custom image without
    it): the start-up work then runs on the first invocation after each restore, as without
    SnapStart.
    """
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        import logging

        logging.getLogger("bridge").warning(
            "SnapStart initialisation but no snapshot_restore_py module: start-up work runs on the "
            "first invocation of each restored instance; add snapshot-restore-py to the requirements"
        )
        return False
    register_before_snapshot(handler.initialize)
    register_after_restore(handler.restore)
    return True


def restore(handler: Any) -> None:
    """``handler.restore``: reseed ``random`` when loaded, then the ``on_restore`` hooks."""
    import sys

    random = sys.modules.get("random")
    if random is not None:
        # Every instance restored from one snapshot starts with the same generator state.
        # https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html
        random.seed()
    for hook in handler._restore_hooks:
        try:
            hook()
        except Exception as exc:
            from ._bridge import _log_error
            from ._failures import one_line

            _log_error("restore hook %s failed: %s", getattr(hook, "__name__", hook), one_line(exc))
            raise
