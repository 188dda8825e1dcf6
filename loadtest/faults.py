"""`make faults`: each fault injected into a production-like stack, each outcome asserted.

The run starts its own redis-server, PostgreSQL cluster (initdb in a temporary folder)
and moto S3 server behind a proxy it can cut, then gunicorn (production settings) and a
Celery worker on them. Stopping any of these never touches the machine's shared services.

  worker-sigkill   SIGKILL of the worker mid-render: the job completes after a restart
  s3-outage        S3 unreachable for 20 s during a render: retried with backoff, completes
  s3-down          S3 unreachable for good: the job fails with the reason, nothing ready
  redis-down       Redis stopped: cached combinations answered, 503 for new ones, recovery
  postgres-restart PostgreSQL restarted under load: brief 503s, recovery, no job lost
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

import boto3

from loadtest import services, stack
from loadtest.tcpproxy import CuttableProxy

BUCKET = "faults-tiles"
STALE_SECONDS = 10
SCENE_SIZE = (8192, 4096)  # three levels, 126 tiles: a render lasts long enough to be cut


class Run:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="reliability-faults-"))
        self.logs = self.dir / "logs"
        self.logs.mkdir()
        self.redis = services.Redis(log_dir=self.logs)
        self.postgres = services.PostgresCluster(log_dir=self.logs)
        self.moto = services.Moto(log_dir=self.logs)
        self.proxy = CuttableProxy(listen_port=services.free_port(), target_port=self.moto.port)
        self.web_port = services.free_port()
        self.workers = []
        self.web = None
        self.figures = {}

    # --- stack ---------------------------------------------------------------------

    def start(self):
        self.redis.start()
        self.postgres.init().start()
        self.postgres.create_database("panoconfig")
        self.moto.start()
        self.proxy.up()
        endpoint = f"http://127.0.0.1:{self.proxy.listen_port}"
        self.env = stack.production_env(
            run_dir=self.dir, database_url=self.postgres.url("panoconfig"), redis_url=self.redis.url(0),
            s3={"bucket": BUCKET, "endpoint": endpoint, "public": endpoint},
            extra={
                "PANOCONFIG_RATE_PER_IP": "1000000/m", "PANOCONFIG_RATE_PER_TENANT": "1000000/m",
                "PANOCONFIG_READ_RATE_PER_IP": "1000000/m",
                "PANOCONFIG_RENDER_STALE_SECONDS": str(STALE_SECONDS),
                "DATABASE_CONN_MAX_AGE": "60", "LOG_LEVEL": "INFO",
            },
        )
        subprocess.run([sys.executable, "scripts/e2e_prod.py", "wait-s3"], cwd=services.ROOT, env=self.env,
                       check=True, capture_output=True)
        stack.setup_django(self.env)
        services.manage("migrate", "--no-input", "-v", "0", env=self.env)
        services.manage("collectstatic", "--no-input", "-v", "0", env=self.env)
        self.start_worker()
        self.web = services.gunicorn(env=self.env, log_dir=self.logs, port=self.web_port, workers=2, threads=2).start()
        services.wait_port(self.web_port, timeout=30, what="gunicorn")
        self.api = stack.Api(f"http://127.0.0.1:{self.web_port}")
        self.scene = stack.seed_scene(tenant_slug=stack.TENANT, slug="kitchen", layers=2, options=3, size=SCENE_SIZE)
        t = time.monotonic()
        stack.wait_scene_ready(self.scene, timeout=300)
        print(f"   scene {SCENE_SIZE[0]}x{SCENE_SIZE[1]} prepared in {time.monotonic() - t:.1f} s", flush=True)
        self.combinations = stack.selections(self.scene, 9)

    def start_worker(self, **extra):
        env = {**self.env, **extra}
        worker = services.celery_worker(env=env, log_dir=self.logs, name=f"worker{len(self.workers)}").start()
        self.workers.append(worker)
        return worker

    @property
    def worker(self):
        return self.workers[-1]

    def stop(self):
        """Stop everything this run started, each step on its own so one failure stops no other."""
        from django.conf import settings

        steps = [self.proxy.down, *[worker.stop for worker in self.workers], self.web and self.web.stop,
                 self.moto.stop, self.redis.stop, self.postgres.destroy]
        if settings.configured:
            from django.db import connections

            steps.insert(-3, connections.close_all)
        for step in filter(None, steps):
            try:
                step()
            except Exception:
                traceback.print_exc()

    # --- helpers ---------------------------------------------------------------------

    def s3_keys(self):
        client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.moto.port}", region_name="us-east-1",
                              aws_access_key_id="x", aws_secret_access_key="y")
        keys = set()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="t/"):
            keys.update(item["Key"] for item in page.get("Contents", []))
        return keys

    def job(self, selection):
        from renders.models import JobKind, RenderJob

        return RenderJob.objects.filter(scene=self.scene, kind=JobKind.TILES, selection=selection).first()

    def wait_job(self, selection, predicate, *, timeout, what):
        def probe():
            job = self.job(selection)
            return job if job is not None and predicate(job) else None

        return stack.wait_for(probe, timeout=timeout, what=what, interval=0.1)

    def poll_until(self, status_url, statuses, *, timeout):
        """Poll like a totem does (every second) until the status is one of ``statuses``."""
        seen = Counter()

        def probe():
            answer = self.api.get(status_url)
            seen[answer.status_code] += 1
            if answer.status_code >= 500 and answer.status_code != 503:
                raise AssertionError(f"{status_url} answered {answer.status_code}: {answer.text[:200]}")
            body = answer.json() if answer.status_code < 500 else {}
            return (answer.status_code, body) if body.get("status") in statuses else None

        result = stack.wait_for(probe, timeout=timeout, what=f"{status_url} {statuses}", interval=1.0)
        return result, seen

    def assert_all_tiles_stored(self, body):
        from renders.models import Tile

        keys = set(self.job(body["selection"]).tile_keys.values())
        stored = self.s3_keys()
        missing_s3 = [key for key in keys if f"t/{key}.jpg" not in stored]
        missing_index = len(keys) - Tile.objects.filter(key__in=keys).count()
        check(not missing_s3 and not missing_index and len(body["viewer"]["tiles"]) == body["progress"]["tiles_total"],
              f"all {len(keys)} tiles in S3 and in the index ({len(missing_s3)} missing in S3, "
              f"{missing_index} missing in the index)")

    def web_5xx(self, since):
        """Access-log lines with a 5xx other than 503 written after ``since`` (bytes offset)."""
        lines = self.web.log.read_bytes()[since:].decode(errors="replace").splitlines()
        statuses = Counter()
        for line in lines:
            if '"type": "access"' in line:
                statuses[json.loads(line)["status"]] += 1
        return statuses


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"   ok  {message}", flush=True)


# --- faults -------------------------------------------------------------------------------


def worker_sigkill(run):
    from renders.models import JobStatus

    selection = run.combinations[1]
    answer = run.api.post_render(run.scene.slug, selection)
    check(answer.status_code == 202, f"new combination queued (202), got {answer.status_code}")
    job = run.wait_job(selection, lambda j: j.status == JobStatus.RENDERING and j.levels_ready >= 1, timeout=120,
                       what="job rendering")
    run.worker.kill()
    killed_at = time.monotonic()
    job.refresh_from_db()
    check(job.status == JobStatus.RENDERING and job.tiles_done < job.tiles_total,
          f"worker SIGKILLed mid-render ({job.tiles_done}/{job.tiles_total} tiles), job not marked ready")
    run.start_worker()
    (code, body), seen = run.poll_until(answer.json()["status_url"], {"ready"}, timeout=180)
    took = time.monotonic() - killed_at
    job.refresh_from_db()
    check(code == 200 and job.attempts >= 2, f"ready {took:.1f} s after the kill, attempt {job.attempts} (stale after "
          f"{STALE_SECONDS} s), answers {dict(seen)}")
    run.assert_all_tiles_stored(body)
    run.figures["worker_sigkill"] = {"ready_after_kill_s": round(took, 1), "attempts": job.attempts}


def s3_outage(run, *, seconds=20):
    from renders.models import JobStatus

    selection = run.combinations[2]
    answer = run.api.post_render(run.scene.slug, selection)
    check(answer.status_code == 202, "new combination queued (202)")
    run.wait_job(selection, lambda j: j.status == JobStatus.RENDERING, timeout=120, what="job rendering")
    run.proxy.down()
    cut_at = time.monotonic()
    time.sleep(seconds)
    job = run.job(selection)
    check(job.status != JobStatus.READY,
          f"S3 down {seconds} s: job not ready, {job.attempts} attempt(s) so far ({job.status}, {job.error[:60]!r})")
    run.proxy.up()
    (code, body), seen = run.poll_until(answer.json()["status_url"], {"ready", "failed"}, timeout=240)
    job.refresh_from_db()
    took = time.monotonic() - cut_at
    check(body["status"] == "ready", f"ready {took:.1f} s after the cut, after {job.attempts} attempts")
    retries = run.worker.log.read_text(errors="replace").count("Retry in")
    check(retries >= 1, f"the worker retried with backoff ({retries} retries logged)")
    run.assert_all_tiles_stored(body)
    run.figures["s3_outage"] = {"down_s": seconds, "ready_after_cut_s": round(took, 1), "attempts": job.attempts,
                                "retries_logged": retries}


def s3_down_for_good(run):
    from renders.models import JobStatus, Tile

    run.worker.stop()
    run.start_worker(PANOCONFIG_RENDER_STORAGE_RETRIES="2")
    run.proxy.down()
    selection = run.combinations[3]
    answer = run.api.post_render(run.scene.slug, selection)
    check(answer.status_code == 202, f"S3 down: new combination still accepted (202), got {answer.status_code}")
    t = time.monotonic()
    (code, body), seen = run.poll_until(answer.json()["status_url"], {"failed", "ready"}, timeout=240)
    job = run.job(selection)
    check(body["status"] == "failed" and job.status == JobStatus.FAILED,
          f"job failed after {time.monotonic() - t:.1f} s and {job.attempts} attempts; API {code} status failed, "
          f"answers while retrying {dict(seen)}")
    check("Endpoint" in job.error or "connect" in job.error.lower(),
          f"failure reason recorded: {job.error[:100]!r}")
    check("error" in body and not body["viewer"]["tiles"] and job.levels_ready == 0,
          f"API says why ({body['error']!r}) and lists no tile")
    unique = set(job.tile_keys.values()) - set(run.job(run.combinations[1]).tile_keys.values())
    check(not Tile.objects.filter(key__in=unique).exists(), "none of its own tiles entered the index")
    run.proxy.up()
    run.worker.stop()
    run.start_worker()
    run.figures["s3_down_for_good"] = {"failed_after_s": round(time.monotonic() - t, 1), "attempts": job.attempts}


def redis_down(run):
    cached = run.combinations[0]
    run.api.render_until_ready(run.scene.slug, cached)
    fresh = run.combinations[4]
    offset = run.web.log.stat().st_size
    run.redis.stop()
    t = time.monotonic()
    answers = Counter()
    for _ in range(5):
        answer = run.api.post_render(run.scene.slug, cached)
        answers[("cached", answer.status_code)] += 1
        check(answer.status_code == 200 and answer.json()["status"] == "ready",
              "Redis down: cached combination 200 ready")
    fresh_answer = run.api.post_render(run.scene.slug, fresh)
    detail = fresh_answer.json().get("detail", "")
    check(fresh_answer.status_code == 503 and "queue" in detail and fresh_answer.headers.get("Retry-After"),
          f"Redis down: new combination 503 with Retry-After: {detail!r}")
    for _ in range(3):
        answers[("new", run.api.post_render(run.scene.slug, fresh).status_code)] += 1
    health = run.api.get("/api/v1/health")
    check(health.status_code == 503 and health.json()["checks"]["broker"] != "ok", "health 503, broker reported")
    statuses = run.web_5xx(offset)
    check(not [s for s in statuses if s >= 500 and s != 503],
          f"no 500 while Redis is down (access log: {dict(statuses)})")
    run.redis.start()
    back = time.monotonic()

    def accepted():
        code = run.api.post_render(run.scene.slug, fresh).status_code
        answers[("after", code)] += 1
        return code in (200, 202)

    stack.wait_for(accepted, timeout=60, what="POST accepted after Redis came back", interval=0.5)
    recovered = time.monotonic() - back
    (code, body), _ = run.poll_until(f"/api/v1/tenants/{stack.TENANT}/renders/{fresh_answer_build(run, fresh)}",
                                     {"ready", "failed"}, timeout=180)
    check(body["status"] == "ready",
          f"Redis back: new combination accepted after {recovered:.1f} s, rendered, no restart")
    run.figures["redis_down"] = {"answers": {f"{k[0]} {k[1]}": v for k, v in answers.items()},
                                 "down_s": round(back - t, 1), "accepted_after_restart_s": round(recovered, 1)}


def fresh_answer_build(run, selection):
    return run.job(selection).build


def postgres_restart(run, *, clients=4, seconds=14):
    from renders.models import JobStatus, RenderJob

    cached = run.combinations[0]
    run.api.render_until_ready(run.scene.slug, cached)
    new = run.combinations[5]
    answer = run.api.post_render(run.scene.slug, new)
    check(answer.status_code == 202, "a new render queued before the restart")
    offset = run.web.log.stat().st_size
    stop = threading.Event()
    timeline, lock = [], threading.Lock()

    def client():
        api = stack.Api(run.api.base)
        while not stop.is_set():
            try:
                code = api.post_render(run.scene.slug, cached, timeout=15).status_code
            except Exception as error:
                code = type(error).__name__
            with lock:
                timeline.append((time.monotonic(), code))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    restart_at = time.monotonic()
    run.postgres.restart()
    restarted = time.monotonic()
    from django.db import connection

    connection.close()  # this driver's own connection died with the server
    time.sleep(seconds - 3)
    stop.set()
    for thread in threads:
        thread.join()
    codes = Counter(code for _, code in timeline)
    last_bad = max((t for t, code in timeline if code != 200), default=restart_at)
    late = [code for t, code in timeline if t > restarted + 5]
    check(set(codes) <= {200, 503}, f"under load across the restart only 200 and 503: {dict(codes)}")
    check(late and set(late) == {200}, f"all {len(late)} answers 5 s after the restart are 200 "
          f"(last failure {last_bad - restart_at:.1f} s after the restart began)")
    statuses = run.web_5xx(offset)
    check(not [s for s in statuses if s >= 500 and s != 503], f"no 500 in the access log ({dict(statuses)})")
    (code, body), _ = run.poll_until(answer.json()["status_url"], {"ready", "failed"}, timeout=240)
    check(body["status"] == "ready", "the render queued before the restart completed")
    # A totem asking again is what revives a job whose worker died; ask for every unfinished one.
    unfinished = RenderJob.objects.exclude(status=JobStatus.READY).exclude(selection=run.combinations[3])
    for job in unfinished:
        run.poll_until(f"/api/v1/tenants/{stack.TENANT}/renders/{job.build}", {"ready"}, timeout=180)
    lost = RenderJob.objects.exclude(status=JobStatus.READY).exclude(selection=run.combinations[3])
    check(not lost.exists(), f"no job lost: every job ready when asked again ({len(unfinished)} needed asking), "
          f"except the one failed on purpose (others: {list(lost.values_list('pk', 'status', 'error'))})")
    run.figures["postgres_restart"] = {"answers": {str(k): v for k, v in codes.items()},
                                       "restart_s": round(restarted - restart_at, 1),
                                       "failures_until_s": round(last_bad - restart_at, 1)}


FAULTS = [worker_sigkill, s3_outage, s3_down_for_good, redis_down, postgres_restart]


def main():
    only = set(sys.argv[1:])
    run = Run()
    failed = []
    print(f"== faults: own Redis :{run.redis.port}, PostgreSQL :{run.postgres.port}, moto :{run.moto.port} "
          f"behind a proxy :{run.proxy.listen_port}, gunicorn :{run.web_port}; logs in {run.logs}", flush=True)
    print(f"   {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    try:
        run.start()
        for fault in FAULTS:
            if only and fault.__name__ not in only:
                continue
            print(f"== {fault.__name__}", flush=True)
            started = time.monotonic()
            try:
                fault(run)
                print(f"   passed in {time.monotonic() - started:.1f} s", flush=True)
            except Exception:
                failed.append(fault.__name__)
                traceback.print_exc()
                print(f"   FAILED; last worker lines:\n{run.worker.tail(15)}", flush=True)
    finally:
        run.stop()
    print("== figures " + json.dumps(run.figures))
    print(f"   {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    if failed:
        print(f"== make faults FAILED: {', '.join(failed)} (logs in {run.logs})")
        sys.exit(1)
    shutil.rmtree(run.dir, ignore_errors=True)
    print("== make faults passed")


if __name__ == "__main__":
    main()
