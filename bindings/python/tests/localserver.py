"""A tiny HTTP server in a thread, for tests that need to see exactly what the client sends
or to answer with a crafted body the emulator would never produce."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional, Tuple

from testkit import response_case

# The default answer: a task at 40 % (testdata/responses/progress-running).
PROGRESS_BODY = json.loads(response_case("progress-running").body)


@dataclass
class Received:
    method: str
    path: str
    headers: List[Tuple[str, str]]

    def header(self, name: str) -> Optional[str]:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


Reply = Tuple[int, Dict[str, str], bytes]


@dataclass
class LocalServer:
    """Records every request; answers with ``reply(received)`` (200 + PROGRESS_BODY by default)."""

    reply: Optional[Callable[[Received], Reply]] = None
    requests: List[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                received = Received("GET", self.path, list(self.headers.items()))
                server.requests.append(received)
                if server.reply is not None:
                    status, headers, body = server.reply(received)
                else:
                    status, headers, body = 200, {"X-Request-Id": "local-1"}, json.dumps(PROGRESS_BODY).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> "LocalServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def json_reply(status: int, body: object, request_id: str = "local-req") -> Callable[[Received], Reply]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda _r: (status, {"X-Request-Id": request_id}, data)
