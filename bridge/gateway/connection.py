"""The gateway's HTTP/1.1 connections: uvicorn's h11 protocol, with a bound on the request head.

uvicorn closes a connection that stays idle between requests (``timeout_keep_alive``) but waits
for a request head as long as the client keeps sending it: a client trickling one header line at
a time holds the connection forever (slowloris). Here a connection that has not completed a
request head within ``header_timeout_s`` of its start, or of the first byte of its next request,
is closed, as nginx's ``client_header_timeout`` does
(https://nginx.org/en/docs/http/ngx_http_core_module.html#client_header_timeout). The body's own
bound is the gateway's (:func:`bridge.gateway.server.read_request`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("bridge.gateway")


def head_bounded_protocol(header_timeout_s: float) -> Any:
    """uvicorn's h11 protocol class, closing a connection whose request head takes too long."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeadBoundedH11Protocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm_head_timer()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            # h11 is IDLE on the client's side until a whole request head has arrived.
            if self.conn.their_state is h11.IDLE:
                if self._head_timer is None:
                    self._arm_head_timer()
            else:
                self._disarm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_head_timer()
            super().connection_lost(exc)

        def _arm_head_timer(self) -> None:
            self._head_timer = self.loop.call_later(header_timeout_s, self._head_timed_out)

        def _disarm_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
                log.warning(
                    "closed the connection from %s: no complete request head within %g s",
                    client,
                    header_timeout_s,
                )
                self.transport.close()

    return HeadBoundedH11Protocol
