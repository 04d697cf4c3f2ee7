"""Private PostgreSQL and Redis servers for fault tests, on free ports in temporary directories.

The shared servers (5432, 6379) are used by every worker's tests at once: a fault test must
never stop them, so it starts its own, and kills or restarts only those.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from stack import free_port  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
PASSWORD = "fault-test-password"  # a throwaway secret for the agent of these stacks
AGENT_EMAIL = "agente@ville.example"


class ServiceUnavailable(RuntimeError):
    """A private server could not be started (missing binaries, no postgres user...)."""


def _as_postgres(*command: str) -> list[str]:
    """Run a PostgreSQL tool as the postgres user (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (trust authentication) owned by the postgres user."""

    def __init__(self) -> None:
        # Not under pytest's temporary directory: it is private to root, and the server runs
        # as postgres, which must reach its data directory.
        self.base = Path(tempfile.mkdtemp(prefix="city311-faults-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.port = free_port()

    def _run(self, *command: str, timeout: float = 120) -> None:
        done = subprocess.run(
            _as_postgres(*command), capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise ServiceUnavailable(f"{command[0]} failed: {done.stdout}{done.stderr}")

    def init(self) -> PrivatePostgres:
        if not (PG_BIN / "initdb").exists():
            raise ServiceUnavailable(f"no PostgreSQL 15 binaries in {PG_BIN}")
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--no-sync", "-E", "UTF8")
        return self

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), action, "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", "-t", "60", *extra)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every connection is cut, the server comes back."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        """Stop the server (immediate mode) and delete the cluster."""
        if self.data.exists():
            subprocess.run(
                _as_postgres(str(PG_BIN / "pg_ctl"), "stop", "-D", str(self.data), "-m",
                             "immediate", "-w"),
                capture_output=True, timeout=60, check=False,
            )
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


class PrivateRedis:
    """A redis-server without persistence on a free port; `kill()` and `start()` again."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        log = (self.base / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.base)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    time.sleep(0.1)
        finally:
            client.close()
        raise ServiceUnavailable("private redis-server did not answer")

    def kill(self) -> None:
        """SIGKILL: Redis vanishes as in a crash, every connection is cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
