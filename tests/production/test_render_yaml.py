"""render.yaml against the fields Render's Blueprint spec defines, and against this repo."""

import re
import shlex
from importlib import import_module
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.production.envreads import all_env_names_read

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINT = yaml.safe_load((ROOT / "render.yaml").read_text())

# From the Blueprint spec: the service types, the env var sources and their fields.
SERVICE_TYPES = {"web", "pserv", "worker", "cron", "keyvalue", "redis"}
RUNTIMES = {"docker", "elixir", "go", "image", "node", "python", "ruby", "rust", "static"}
PLANS = {
    "web": {"free", "starter", "standard", "pro", "pro plus", "pro max", "pro ultra"},
    "worker": {"starter", "standard", "pro", "pro plus", "pro max", "pro ultra"},
    "keyvalue": {"free", "starter", "standard", "pro", "pro plus"},
}
DATABASE_PLAN = re.compile(r"^(free|basic-(256mb|1gb|4gb)|(pro|accelerated)-\d+gb)$")
ENV_SOURCES = {"value", "generateValue", "sync", "fromDatabase", "fromService", "fromGroup"}
DATABASE_PROPERTIES = {"connectionString", "host", "port", "user", "password", "database"}
SERVICE_PROPERTIES = {"host", "port", "hostport", "connectionString"}
# Read by Render's native runtimes, not by the app.
PLATFORM_VARIABLES = {"PYTHON_VERSION", "NODE_VERSION"}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|ACCESS_KEY|DSN|TOKEN|DATABASE_URL|REDIS_URL")


def services(kind=None):
    return [s for s in BLUEPRINT["services"] if kind is None or s["type"] == kind]


def env_entries():
    for service in services():
        for entry in service.get("envVars", []):
            yield service, entry


def test_top_level_fields_are_the_specs():
    assert set(BLUEPRINT) <= {"services", "databases", "envVarGroups", "projects", "ungrouped", "previews", "version"}


def test_there_is_one_web_service_one_worker_one_key_value_and_one_database():
    assert all(s["type"] in SERVICE_TYPES for s in services())
    assert [len(services(k)) for k in ("web", "worker", "keyvalue")] == [1, 1, 1]
    assert len(BLUEPRINT["databases"]) == 1
    names = [s["name"] for s in services()] + [d["name"] for d in BLUEPRINT["databases"]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("kind", ["web", "worker", "keyvalue"])
def test_plans_are_ones_render_sells(kind):
    assert services(kind)[0]["plan"] in PLANS[kind]


def test_database_plan_and_network():
    database = BLUEPRINT["databases"][0]
    assert DATABASE_PLAN.match(database["plan"])
    assert database["ipAllowList"] == []
    assert {"name", "databaseName", "user"} <= set(database)


def test_key_value_keeps_queued_tasks_and_stays_private():
    key_value = services("keyvalue")[0]
    assert key_value["ipAllowList"] == []  # required by the spec; empty = private network only
    assert key_value["maxmemoryPolicy"] == "noeviction"


def test_all_resources_share_one_region():
    regions = {r.get("region") for r in services() + BLUEPRINT["databases"]}
    assert len(regions) == 1


def test_code_services_have_a_runtime_and_commands():
    for service in services("web") + services("worker"):
        assert service["runtime"] in RUNTIMES
        assert service["buildCommand"] and service["startCommand"]


def test_the_web_service_checks_health_and_migrates_before_deploying():
    web = services("web")[0]
    assert web["healthCheckPath"] == "/api/v1/health"
    assert web["preDeployCommand"] == "python manage.py migrate --no-input"
    build = web["buildCommand"]
    assert "pip install -r requirements/production.txt" in build
    assert "npm ci" in build and "collectstatic --no-input" in build


def test_start_commands_name_files_and_modules_that_exist():
    web = shlex.split(services("web")[0]["startCommand"])
    assert web[0] == "gunicorn"
    assert (ROOT / web[web.index("-c") + 1]).is_file()
    module, _, attribute = web[-1].partition(":")
    assert callable(getattr(import_module(module), attribute))
    for requirements in re.findall(r"-r (\S+)", " ".join(s["buildCommand"] for s in services("web") + services("worker"))):
        assert (ROOT / requirements).is_file()
    assert (ROOT / "package-lock.json").is_file()


def test_the_worker_consumes_every_queue_the_settings_define():
    worker = shlex.split(services("worker")[0]["startCommand"])
    assert worker[:4] == ["celery", "-A", "panoconfig", "worker"]
    assert import_module(worker[2]).celery_app.main == "panoconfig"
    queues = set(worker[worker.index("-Q") + 1].split(","))
    assert queues == {q.name for q in settings.CELERY_TASK_QUEUES}


def test_each_env_var_has_exactly_one_source_and_well_formed_references():
    names = {s["name"]: s["type"] for s in services()}
    databases = {d["name"] for d in BLUEPRINT["databases"]}
    for service, entry in env_entries():
        sources = set(entry) & ENV_SOURCES
        assert len(sources) == 1 and set(entry) - ENV_SOURCES == {"key"}, entry
        if "sync" in entry:
            assert entry["sync"] is False
        if "generateValue" in entry:
            assert entry["generateValue"] is True
        if "value" in entry:
            assert isinstance(entry["value"], str), entry  # numbers must be quoted
        if "fromDatabase" in entry:
            reference = entry["fromDatabase"]
            assert reference["name"] in databases and reference["property"] in DATABASE_PROPERTIES
        if "fromService" in entry:
            reference = entry["fromService"]
            assert names[reference["name"]] == reference["type"]
            has_property = reference.get("property") in SERVICE_PROPERTIES
            assert has_property != ("envVarKey" in reference), entry


def test_secrets_are_never_written_into_the_blueprint():
    for service, entry in env_entries():
        if SECRET_NAME.search(entry["key"]):
            assert "value" not in entry, f"{service['name']}: {entry['key']} has a literal value"


def test_the_app_reads_every_variable_the_blueprint_sets():
    keys = {entry["key"] for _, entry in env_entries()}
    assert sorted(keys - all_env_names_read() - PLATFORM_VARIABLES) == []


def test_both_code_services_get_the_database_broker_and_tiles():
    for service in services("web") + services("worker"):
        keys = {entry["key"] for entry in service["envVars"]}
        assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "R2_BUCKET", "R2_ENDPOINT_URL",
                "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "R2_PUBLIC_URL"} <= keys
