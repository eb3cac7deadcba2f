"""Starts and stops a real Tessera server for the black-box tests.

The server is the binary built by `cargo build -p tessera-api`; nothing here builds it. Each
server gets its own temporary SQLite database and listens on port 0, so the port it prints
("Tessera is running at http://127.0.0.1:PORT/") is one the kernel handed out: no race with
other processes for a port picked in advance.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "tessera-demo"
READY_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 20.0

_RUNNING_AT = re.compile(r"Tessera is running at (http://\S+?)/?\s*$", re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")



def server_env() -> dict[str, str]:
    """This process's environment for the server, without `TESSERA_BIN`: it names the binary
    for this harness only, and the server refuses `TESSERA_*` keys that are not settings."""
    env = {key: value for key, value in os.environ.items() if key != "TESSERA_BIN"}
    env["NO_COLOR"] = "1"
    return env

class ServerError(RuntimeError):
    """The server could not be started or did not stop as it should."""


def binary_path() -> Path:
    """`$TESSERA_BIN`, else `tessera` in the debug directory of the cargo target directory."""
    explicit = os.environ.get("TESSERA_BIN")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO_ROOT / "target")
    if not target.is_absolute():
        target = REPO_ROOT / target
    return target / "debug" / "tessera"


def web_dir() -> Path:
    """Where the built SPA is: `$TESSERA_WEB_DIR`, else `crates/web/dist`."""
    explicit = os.environ.get("TESSERA_WEB_DIR")
    return Path(explicit) if explicit else REPO_ROOT / "crates" / "web" / "dist"


def require_binary() -> Path:
    binary = binary_path()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise ServerError(
            f"the Tessera server binary {binary} does not exist: build it first with "
            "`cargo build -p tessera-api` (or point TESSERA_BIN at it)"
        )
    return binary


class TesseraServer:
    """One server process in demo mode, with a fresh database in its own temporary directory."""

    def __init__(
        self,
        *,
        web: Path | None = None,
        name: str = "tessera",
        config: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        """`config` is the text of a configuration file (`--config`), `env` more `TESSERA_*`
        settings for this server alone."""
        self.binary = require_binary()
        self.web = web
        self.config = config
        self.env = env or {}
        self.dir = Path(tempfile.mkdtemp(prefix=f"{name}-e2e-"))
        self.db_path = self.dir / "tessera.db"
        self.database_url = f"sqlite://{self.db_path}"
        self.log_path = self.dir / "server.log"
        self.base_url = ""
        self.process: subprocess.Popen[bytes] | None = None
        self.exit_code: int | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, timeout: float = READY_TIMEOUT_S) -> "TesseraServer":
        env = server_env()
        # Every test signs in from 127.0.0.1: the per-address budget (30 per 15 minutes by
        # default) would refuse the suite's later sign-ins. Throttling has its own API tests.
        env.setdefault("TESSERA_SIGN_IN_LIMIT__ATTEMPTS_PER_ADDRESS", "100000")
        # Argon2's smallest cost: the demo seeds and signs in many people, and the production
        # parameters (19 MiB, 2 passes) are tested by the API tests. Set these variables to
        # 19456 and 2 to run the suite with production hashing.
        env.setdefault("TESSERA_PASSWORD_HASHING__MEMORY_KIB", "8")
        env.setdefault("TESSERA_PASSWORD_HASHING__ITERATIONS", "1")
        if self.web is not None:
            env["TESSERA_WEB_DIR"] = str(self.web)
        env.update(self.env)
        config_args: list[str] = []
        if self.config is not None:
            config_path = self.dir / "tessera.toml"
            config_path.write_text(self.config)
            config_args = ["--config", str(config_path)]
        log = open(self.log_path, "wb")
        try:
            self.process = subprocess.Popen(
                [
                    str(self.binary),
                    *config_args,
                    "--listen",
                    "127.0.0.1:0",
                    "--database-url",
                    self.database_url,
                    "demo",
                ],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.kill()
            raise
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"the server exited with status {self.process.returncode} before it was "
                    f"ready.\n{self.log_excerpt()}"
                )
            if not self.base_url:
                found = _RUNNING_AT.search(self.log())
                if found:
                    self.base_url = found.group(1).rstrip("/")
            if self.base_url:
                try:
                    if requests.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                        return
                except requests.RequestException:
                    pass
            time.sleep(0.1)
        raise ServerError(
            f"the server was not ready (GET /readyz = 200) within {timeout:.0f} s.\n"
            f"{self.log_excerpt()}"
        )

    def terminate(self, timeout: float = SHUTDOWN_TIMEOUT_S) -> float:
        """Sends SIGTERM and waits. Returns the seconds it took; raises if it did not exit in time
        (the process is then killed) or exited with a failure status."""
        assert self.process is not None
        if self.process.poll() is not None:
            self.exit_code = self.process.returncode
            raise ServerError(
                f"the server had already exited with status {self.exit_code}.\n{self.log_excerpt()}"
            )
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.exit_code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ServerError(
                f"the server did not exit within {timeout:.0f} s of SIGTERM.\n{self.log_excerpt()}"
            ) from None
        elapsed = time.monotonic() - started
        if self.exit_code != 0:
            raise ServerError(
                f"the server exited with status {self.exit_code} after SIGTERM.\n"
                f"{self.log_excerpt()}"
            )
        return elapsed

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers -------------------------------------------------------------------------------

    def log(self) -> str:
        try:
            return _ANSI.sub("", self.log_path.read_text(errors="replace"))
        except FileNotFoundError:
            return ""

    def log_excerpt(self, lines: int = 80) -> str:
        tail = self.log().splitlines()[-lines:]
        return f"--- last {len(tail)} lines of {self.log_path} ---\n" + "\n".join(tail)

    def create_api_token(self, username: str = "admin", name: str = "e2e") -> str:
        """An API token for `username`, made with the CLI against the same database."""
        done = subprocess.run(
            [
                str(self.binary),
                "--database-url",
                self.database_url,
                "token",
                "create",
                "--user",
                username,
                "--name",
                name,
                "--days",
                "1",
            ],
            cwd=REPO_ROOT,
            env=server_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        secret = done.stdout.strip()
        if done.returncode != 0 or not secret.startswith("tsr_") or "\n" in secret:
            raise ServerError(
                f"`tessera token create` failed (status {done.returncode}).\n"
                f"stdout: {done.stdout!r}\nstderr: {done.stderr}"
            )
        return secret
