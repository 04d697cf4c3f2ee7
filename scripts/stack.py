"""Start and stop the three processes (Rasa server, action server, gateway) as one stack.

Used by `make run` (scripts/run.py), the integration tests and the benchmarks, so that all of
them start the product the same way. Standard library only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT_BIN = ROOT / ".venvs" / "bot" / "bin"
GATEWAY_PYTHON = ROOT / ".venvs" / "gateway" / "bin" / "python"
MODEL = ROOT / "models" / "city311.tar.gz"


class StackError(RuntimeError):
    """A process of the stack did not start or died."""


def free_port() -> int:
    """A TCP port nobody listens on right now (for tests that run beside `make run`)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Service:
    """One process: its command, where it answers, and its log file."""

    name: str
    command: list[str]
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def start(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{self.name}.log"
        log = self.log_path.open("ab")
        # Own process group: stopping it reaches the workers Sanic may fork.
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def terminate(self) -> None:
        """Ask the whole process group to stop (SIGTERM); see wait_stopped."""
        if self.process is not None and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def wait_stopped(self, deadline: float) -> None:
        """Wait for the group leader until the deadline, then SIGKILL whatever is left."""
        if self.process is None:
            return
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(max(0.1, deadline - time.monotonic()))
        # Children that outlived the leader (or a leader past the deadline) are still in its group.
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(5)

    def stop(self, timeout: float = 10.0) -> None:
        self.terminate()
        self.wait_stopped(time.monotonic() + timeout)


@dataclass
class Stack:
    """The Rasa server, the action server and the gateway, on the given ports."""

    rasa_port: int = 5005
    actions_port: int = 5055
    gateway_port: int = 8080
    host: str = "127.0.0.1"
    model: Path = MODEL
    log_dir: Path = ROOT / "var" / "log"
    gateway_env: Mapping[str, str] = field(default_factory=dict)
    # None: the shipped endpoints.yml (action server on 5055, tracker in var/). Tests and benches
    # give their own tracker database, and get an endpoints file written for their ports.
    tracker_db: Path | None = None
    # Shared stores instead of the SQLite tracker: the tracker_store and lock_store YAML (e.g. a
    # PostgreSQL tracker and a Redis lock store), and more Rasa servers on these ports using
    # them; the gateway then gets every Rasa URL (RASA_URL comma-separated).
    rasa_stores: str | None = None
    extra_rasa_ports: tuple[int, ...] = ()
    services: list[Service] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def rasa_urls(self) -> list[str]:
        """Every Rasa server of the stack, the first one first."""
        return [self.rasa_url] + [f"http://{self.host}:{p}" for p in self.extra_rasa_ports]

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.gateway_port}"

    def endpoints_file(self) -> str:
        """The Rasa endpoints file for this stack's ports and tracker database."""
        if self.tracker_db is None and self.actions_port == 5055 and self.rasa_stores is None:
            (ROOT / "var").mkdir(exist_ok=True)
            return "endpoints.yml"
        tracker_db = self.tracker_db or ROOT / "var" / "rasa-tracker.db"
        path = self.log_dir / "endpoints.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        stores = self.rasa_stores or (
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker_db}"\n'
            "lock_store:\n  type: in_memory\n"
        )
        path.write_text(f'action_endpoint:\n  url: "{self.actions_url}/webhook"\n' + stores)
        return str(path)

    def rasa_service(self, port: int | None = None, name: str = "rasa",
                     extra_env: Mapping[str, str] | None = None,
                     endpoints: str | None = None) -> Service:
        port = port or self.rasa_port
        return Service(
            name=name,
            command=[str(BOT_BIN / "rasa"), "run", "--enable-api", "-i", self.host, "-p", str(port),
                     "--credentials", "credentials.yml",
                     "--endpoints", endpoints or self.endpoints_file(),
                     "-m", str(self.model)],
            ready_url=f"http://{self.host}:{port}/",
            env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", **(extra_env or {})},
        )

    def build(self) -> list[Service]:
        gateway_env = {
            "HOST": self.host,
            "PORT": str(self.gateway_port),
            "RASA_URL": ",".join(self.rasa_urls),
            "ACTIONS_URL": self.actions_url,
            "PUBLIC_URL": os.environ.get("PUBLIC_URL", self.gateway_url),
            **self.gateway_env,
        }
        return [
            Service(
                name="actions",
                command=[str(BOT_BIN / "rasa"), "run", "actions", "--actions", "bot.actions",
                         "-p", str(self.actions_port)],
                ready_url=f"{self.actions_url}/health",
                env={"PYTHONPATH": str(ROOT), "SANIC_HOST": self.host,
                     "GATEWAY_URL": self.gateway_url},
            ),
            self.rasa_service(),
            *(self.rasa_service(port, name=f"rasa{n}")
              for n, port in enumerate(self.extra_rasa_ports, start=2)),
            Service(
                name="gateway",
                command=[str(GATEWAY_PYTHON), "-m", "livechat", "serve",
                         "--host", self.host, "--port", str(self.gateway_port)],
                ready_url=f"{self.gateway_url}/health",
                env=gateway_env,
            ),
        ]

    def start(self, timeout: float = 300.0, progress: bool = False) -> None:
        """Start every service and wait until each answers; raise StackError otherwise."""
        if not self.model.exists():
            raise StackError(f"no trained model at {self.model}: run `make model`")
        self.services = self.build()
        for service in self.services:
            service.start(self.log_dir)
        deadline = time.monotonic() + timeout
        for service in self.services:
            if progress:
                print(f"==> waiting for {service.name} ({service.ready_url})", flush=True)
            self.wait_ready(service, deadline)

    def wait_ready(self, service: Service, deadline: float) -> None:
        # The gateway's /health is 503 while a dependency is down; it is "up" once it answers.
        while time.monotonic() < deadline:
            if not service.alive():
                raise StackError(f"{service.name} exited:\n{service.log_tail()}")
            if service.name == "gateway":
                if health(service.ready_url) is not None:
                    return
            elif http_ok(service.ready_url):
                return
            time.sleep(0.5)
        raise StackError(f"{service.name} not ready in time:\n{service.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every service at once: a graceful stop each, then SIGKILL after the timeout."""
        for service in reversed(self.services):
            service.terminate()
        deadline = time.monotonic() + timeout
        for service in reversed(self.services):
            service.wait_stopped(deadline)

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)


def health(url: str) -> dict[str, object] | None:
    """The gateway's /health document, whether 200 or 503; None when it does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return dict(json.load(response))
    except urllib.error.HTTPError as error:
        try:
            return dict(json.load(error))
        except ValueError:
            return None
    except (urllib.error.URLError, OSError, ValueError):
        return None


@contextmanager
def running(stack: Stack, timeout: float = 300.0) -> Iterator[Stack]:
    """Start the stack for the duration of a with-block; always stop it."""
    try:
        stack.start(timeout)
        yield stack
    finally:
        stack.stop()
