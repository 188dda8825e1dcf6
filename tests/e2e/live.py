"""A live Panoconfig for the browser tests: the web server and a real Celery worker as separate
processes, like `make run`, on their own SQLite file, media folder and file-system broker."""

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.ports import free_port as ports_free_port

ROOT = Path(__file__).resolve().parents[2]
SERVER_PORTS = range(8400, 8450)  # this branch's range on the shared machine is 8400-8499
FAKE_SERVER_PORTS = range(8450, 8500)


def free_port(ports=SERVER_PORTS):
    return ports_free_port(ports)


def environment(var_dir):
    dropped = {"REDIS_URL", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update({
        "PANOCONFIG_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
        "DJANGO_DEBUG": "true",  # static files from the finders (npm's Marzipano), as in `make run`
        "SECRET_KEY": "e2e-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PANOCONFIG_RATE_PER_IP": "100000/m",
        "PANOCONFIG_RATE_PER_TENANT": "100000/m",
        "PYTHONUNBUFFERED": "1",
        "DEMO_ADMIN_PASSWORD": "e2e-demo-password-not-secret",
    })
    return env


def run(args, env, log):
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, stdout=log, stderr=subprocess.STDOUT)


def wait_until_up(url, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def live_panoconfig(var_dir, seed="tests.e2e.seed", demo_size=2048):
    """Migrates, seeds the test tenants and the demo (scene preparation inline), starts the worker
    and the server; yields the base URL."""
    env = environment(var_dir)
    log = open(var_dir / "live.log", "ab")
    processes = []
    try:
        run(["manage.py", "migrate", "--no-input", "-v", "0"], env, log)
        eager = {**env, "CELERY_TASK_ALWAYS_EAGER": "true"}
        run(["manage.py", "shell", "-c", f"from {seed} import seed; seed()"], eager, log)
        run(["manage.py", "seed_demo", "--size", str(demo_size)], eager, log)
        worker = [sys.executable, "-m", "celery", "-A", "panoconfig", "worker", "--concurrency=2", "--loglevel=WARNING"]
        processes.append(subprocess.Popen(worker, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        port = free_port()
        server = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
        processes.append(subprocess.Popen(server, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/api/v1/tenants/e2e/config", processes[-1])
        yield base
    finally:
        for process in reversed(processes):
            stop(process)
        log.close()
