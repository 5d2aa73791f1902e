"""The server a web function runs: what it is given (:class:`ServerPlan`) and running it in-process.

uvicorn serves ASGI apps: it streams each ``http.response.body`` as it is sent, holds SSE and
WebSocket connections on its event loop (with ``websockets``, or ``wsproto``, installed), and runs
lifespan startup once and shutdown once. gunicorn's threaded worker (``gthread``) serves WSGI apps:
it writes each chunk a response iterator yields as it comes (chunked when there is no
Content-Length). A WSGI app cannot accept a WebSocket: the interface has no way to hand over the
connection.

Both run in this process (no second interpreter at instance start) and both drain on SIGTERM:
they stop accepting, let running requests finish for ``graceful_s``, then exit.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Optional

from .._errors import ConfigError
from .contracts import StartContract
from .sizing import Sizing

SERVERS = ("uvicorn", "gunicorn")
#: What a package must install for each server (also the modules each imports at start): uvicorn
#: upgrades WebSockets only with ``websockets`` (or ``wsproto``) importable.
SERVER_REQUIREMENTS = {"uvicorn": ("uvicorn", "websockets"), "gunicorn": ("gunicorn",)}


class ServerPlan:
    """Everything the server is started with, decided before it starts (``bridge run --print``)."""

    __slots__ = (
        "contract",
        "server",
        "interface",
        "host",
        "port",
        "sizing",
        "forwarded_allow_ips",
        "grace_s",
    )

    def __init__(
        self,
        contract: StartContract,
        server: str,
        interface: str,
        host: str,
        port: int,
        sizing: Sizing,
        forwarded_allow_ips: str,
        grace_s: float,
    ) -> None:
        if server not in SERVERS:
            raise ConfigError(f"--server must be one of {', '.join(SERVERS)} or auto, not {server!r}")
        if server == "uvicorn" and interface != "asgi":
            raise ConfigError("uvicorn serves ASGI apps; this app is WSGI: use --server gunicorn (or auto)")
        if server == "gunicorn" and interface != "wsgi":
            raise ConfigError("gunicorn serves WSGI apps; this app is ASGI: use --server uvicorn (or auto)")
        self.contract = contract
        self.server = server
        self.interface = interface
        self.host = host
        self.port = port
        self.sizing = sizing
        self.forwarded_allow_ips = forwarded_allow_ips
        self.grace_s = grace_s

    @property
    def graceful_s(self) -> int:
        """Seconds running requests get after SIGTERM: the grace period less a second for lifespan
        shutdown and the exit, so the platform's SIGKILL never cuts either."""
        return max(1, math.floor(self.grace_s) - 1)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "platform": self.contract.name,
            "server": self.server,
            "interface": self.interface,
            "host": self.host,
            "port": self.port,
            **self.sizing.as_dict(),
            "forwarded_allow_ips": self.forwarded_allow_ips,
            "keep_alive_s": self.contract.keep_alive_s,
            "grace_s": self.grace_s,
            "graceful_s": self.graceful_s,
        }


#: Called with the address the server listens on, once connections to it will be answered.
OnReady = Callable[[str, int], None]


def serve(app: Any, plan: ServerPlan, on_ready: Optional[OnReady] = None) -> None:
    """Serve ``app`` until SIGTERM or SIGINT, as ``plan`` says (port 0: a free port)."""
    if plan.server == "uvicorn":
        _uvicorn(app, plan, on_ready)
    else:
        _gunicorn(app, plan, on_ready)


def _uvicorn(app: Any, plan: ServerPlan, on_ready: Optional[OnReady]) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        host=plan.host,
        port=plan.port,
        lifespan="auto",
        proxy_headers=True,
        forwarded_allow_ips=plan.forwarded_allow_ips,
        timeout_keep_alive=plan.contract.keep_alive_s,
        timeout_graceful_shutdown=plan.graceful_s,
        server_header=False,
        ws="auto",
    )
    server = uvicorn.Server(config)
    if on_ready is None:
        server.run()
        return
    # Bound and listening before `on_ready`: a client told the address is queued, never refused.
    sock = config.bind_socket()
    sock.listen(config.backlog)
    on_ready(*sock.getsockname()[:2])
    server.run(sockets=[sock])


def _gunicorn(app: Any, plan: ServerPlan, on_ready: Optional[OnReady]) -> None:
    from gunicorn.app.base import BaseApplication

    options = {
        "bind": [f"[{plan.host}]:{plan.port}" if ":" in plan.host else f"{plan.host}:{plan.port}"],
        "worker_class": "gthread",
        "workers": plan.sizing.workers,
        "threads": plan.sizing.threads,
        # No worker timeout: the platform enforces the function's timeout, and a long stream is
        # not a hung worker (gthread's heartbeat is its main loop, not the request).
        "timeout": 0,
        "graceful_timeout": plan.graceful_s,
        "keepalive": plan.contract.keep_alive_s,
        "forwarded_allow_ips": plan.forwarded_allow_ips,
        # The app is already imported (it decided the server): workers fork with it loaded.
        "preload_app": True,
        "accesslog": "-",
        "errorlog": "-",
    }
    if on_ready is not None:
        options["when_ready"] = lambda arbiter: on_ready(*arbiter.LISTENERS[0].sock.getsockname()[:2])

    class _Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)
            if "control_socket_disable" in self.cfg.settings:
                # gunicorn 25+ opens a control socket under $HOME, read-only on the platforms; an
                # instance is never managed through it.
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            return app

    _Application().run()


def choose_server(requested: Optional[str], interface: str) -> str:
    """``auto``: uvicorn for ASGI, gunicorn for WSGI."""
    if requested in (None, "auto"):
        return "uvicorn" if interface == "asgi" else "gunicorn"
    return str(requested)
