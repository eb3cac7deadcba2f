"""A webhook receiver for the browser and black-box tests: an HTTP server on a free loopback port
that verifies each POST with `secret` through an independent Standard Webhooks implementation
(the PyPI `standardwebhooks` package) and records it."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


class Receiver:
    """Answers 500 to the first `fail_first` posts, then `accepted` to what verifies and 400 to
    what does not; `attempts` holds every post's `webhook-id`, `verified` what verified."""

    def __init__(self, fail_first: int = 0, accepted: int = 204) -> None:
        self.secret = ""
        self.verified: list[dict] = []
        self.refused: list[str] = []
        self.attempts: list[str] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver.lock:
                    receiver.attempts.append(headers.get("webhook-id", ""))
                    if receiver.fail_first > 0:
                        receiver.fail_first -= 1
                        self.send_response(500)
                        self.end_headers()
                        return
                    try:
                        event = Webhook(receiver.secret).verify(body, headers)
                    except WebhookVerificationError as error:
                        receiver.refused.append(str(error))
                        self.send_response(400)
                        self.end_headers()
                        return
                    receiver.verified.append({"id": headers["webhook-id"], "event": event})
                self.send_response(accepted)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tessera"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, wait_s: float) -> list[dict]:
        """The verified posts, once there are at least `count` of them (at most `wait_s`)."""
        deadline = time.monotonic() + wait_s
        while True:
            with self.lock:
                if len(self.verified) >= count:
                    return list(self.verified)
                refused = list(self.refused)
            assert time.monotonic() < deadline, (
                f"{count} verified posts expected; refused: {refused}"
            )
            time.sleep(0.1)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
