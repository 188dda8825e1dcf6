"""Processes the load and fault runs start and stop themselves, all on loopback.

Each class owns one process (or cluster) and can stop it, kill it and start it again
on the same port, so a run can take a service away and bring it back.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.ports import free_port as ports_free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORT_RANGE = range(int(os.environ.get("RELIABILITY_PORT_FIRST", 8500)),
                   int(os.environ.get("RELIABILITY_PORT_LAST", 8599)) + 1)
_taken = set()


def free_port():
    """A free loopback port of this run's range, never handed out twice in one run."""
    return ports_free_port(PORT_RANGE, taken=_taken)


def wait_port(port, *, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


class Process:
    """A child process logging to a file; stop() is TERM then KILL, kill() is SIGKILL."""

    def __init__(self, name, argv, *, log_dir, env=None, cwd=ROOT):
        self.name, self.argv, self.env, self.cwd = name, argv, env, cwd
        self.log = Path(log_dir) / f"{name}.log"
        self.process = None

    def start(self):
        handle = open(self.log, "ab")
        self.process = subprocess.Popen(
            self.argv, cwd=self.cwd, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        return self

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def signal_group(self, sig):
        if self.running:
            os.killpg(self.process.pid, sig)

    def kill(self):
        """SIGKILL the whole process group (a worker and its pool children)."""
        if self.running:
            self.signal_group(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout=15):
        if not self.running:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines=30):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


class Redis(Process):
    def __init__(self, *, log_dir, port=None):
        self.port = port or free_port()
        super().__init__(
            f"redis-{self.port}",
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            log_dir=log_dir,
        )

    def start(self):
        super().start()
        wait_port(self.port, timeout=10, what="redis-server")
        return self

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"


def _pg_bin():
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return found[-1].parent


class PostgresCluster:
    """A throwaway cluster (initdb in a temporary folder), run as `postgres` when we are root."""

    def __init__(self, *, log_dir, port=None):
        self.port = port or free_port()
        self.bin = _pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="reliability-pg-"))
        self.data = self.dir / "data"
        # Inside the cluster's own folder: the server user cannot enter our mode-700 log folder.
        self.log = self.dir / "postgres.log"
        self.as_root = os.geteuid() == 0

    def _run(self, *argv, check=True):
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def init(self):
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        wait_port(self.port, timeout=20, what="PostgreSQL")
        return self

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self):
        self.stop()
        self.start()

    def url(self, db="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def create_database(self, name):
        subprocess.run(["psql", self.url(), "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)

    def destroy(self):
        self.stop(mode="immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class Moto(Process):
    def __init__(self, *, log_dir, port=None):
        self.port = port or free_port()
        super().__init__(f"moto-{self.port}", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                         log_dir=log_dir)

    def start(self):
        super().start()
        wait_port(self.port, timeout=30, what="moto_server")
        return self


def gunicorn(*, env, log_dir, port, workers=None, threads=None, name="gunicorn"):
    """gunicorn with gunicorn.conf.py; workers/threads from its own defaults unless given."""
    environment = {**env, "PORT": str(port)}
    if workers:
        environment["WEB_CONCURRENCY"] = str(workers)
    if threads:
        environment["GUNICORN_THREADS"] = str(threads)
    argv = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
            "panoconfig.wsgi:application"]
    return Process(name, argv, log_dir=log_dir, env=environment)


def celery_worker(*, env, log_dir, name="worker", concurrency=2):
    argv = [str(BIN / "celery"), "-A", "panoconfig", "worker", "--loglevel=INFO", "-Q", "renders,stills,prepare",
            f"--concurrency={concurrency}", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
            "--without-heartbeat"]
    return Process(name, argv, log_dir=log_dir, env=env)


def manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
