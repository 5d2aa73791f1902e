"""Instance shutdown: :meth:`bridge.Bridge.pre_stop` at SIGTERM and at interpreter exit.

Arranged after the first initialisation, only when there is something to stop (``on_shutdown``
hooks, an ASGI lifespan that started); ``signal`` and ``atexit`` load then, not at import.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._bridge import Bridge


def arrange_shutdown(bridge: Bridge) -> None:
    """Run ``bridge.pre_stop`` at SIGTERM and at interpreter exit, whichever comes first."""
    import atexit

    atexit.register(bridge.pre_stop)
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: Any) -> None:
        bridge.pre_stop()
        if callable(previous):
            previous(signum, frame)
        else:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not allowed here (an embedded interpreter)
        pass
