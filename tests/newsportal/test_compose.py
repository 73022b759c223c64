"""docker-compose.yml and the Dockerfile, checked without a Docker engine: the Compose Specification's JSON
schema (tests/data/compose-spec.json) plus what the production shape promises (DESIGN.md section 2)."""

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests/data/compose-spec.json").read_text())
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)  # resolves the x-app anchors and << merges as Compose does
DOCKERFILE = (ROOT / "Dockerfile").read_text()
APP_SERVICES = ("web", "worker", "beat")


def _validate(document: dict) -> None:
    # The schema names draft 2019-09 as "http://json-schema.org/draft/2019-09/schema#", a spelling jsonschema
    # does not map by itself: name the validator.
    jsonschema.Draft201909Validator.check_schema(SCHEMA)
    jsonschema.Draft201909Validator(SCHEMA).validate(document)


def test_compose_file_is_valid_against_the_compose_specification_schema():
    _validate(COMPOSE)


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d["services"]["web"]["depends_on"]["postgres"].update(condition="when_ready"),
        lambda d: d["services"]["web"]["healthcheck"].update(every="5s"),
        lambda d: d["services"]["redis"].update(restart_when="always"),
        lambda d: d.update(service={}),
    ],
    ids=["bad depends_on condition", "unknown healthcheck key", "unknown service key", "unknown top-level key"],
)
def test_the_schema_really_rejects_a_broken_compose_file(break_it):
    broken = copy.deepcopy(COMPOSE)
    break_it(broken)

    with pytest.raises(jsonschema.ValidationError):
        _validate(broken)


def test_compose_runs_web_worker_beat_postgres_and_redis():
    services = COMPOSE["services"]

    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "newsportal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "newsportal", "beat"]


def test_every_service_has_a_health_check_and_app_services_start_after_healthy_data_services():
    services = COMPOSE["services"]

    for name in (*APP_SERVICES, "postgres", "redis"):
        assert services[name]["healthcheck"].get("test"), name
        assert not services[name]["healthcheck"].get("disable"), name
    for name in (*APP_SERVICES, "migrate"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_app_services_share_one_block_through_an_extension_field():
    assert "x-app" in COMPOSE
    assert re.search(r"^x-app: &app$", COMPOSE_TEXT, re.M)
    for name in (*APP_SERVICES, "migrate"):
        assert re.search(rf"^  {name}:\n    <<: \*app$", COMPOSE_TEXT, re.M), name
        assert COMPOSE["services"][name]["image"] == COMPOSE["x-app"]["image"]


def test_web_workers_come_from_the_environment():
    env = COMPOSE["services"]["web"]["environment"]

    assert env["WEB_CONCURRENCY"].startswith("${WEB_CONCURRENCY")


def test_redis_keeps_an_append_only_file_and_never_evicts():
    command = " ".join(COMPOSE["services"]["redis"]["command"])

    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


def test_data_lives_in_named_volumes():
    volumes = COMPOSE["volumes"]
    services = COMPOSE["services"]

    assert services["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert services["redis"]["volumes"] == ["redis-data:/data"]
    assert {"postgres-data", "redis-data"} <= set(volumes)


def test_every_variable_compose_reads_is_documented_in_env_example():
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.M))
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))

    assert used, "compose reads no variables?"
    assert used <= documented, f"not in .env.example: {sorted(used - documented)}"


def test_secrets_are_required_not_defaulted():
    env = COMPOSE["x-app"]["environment"]

    assert ":?" in env["DJANGO_SECRET_KEY"]
    assert ":?" in COMPOSE["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert env["DJANGO_DEBUG"] == "0"


def _stages(dockerfile: str) -> list[str]:
    return re.split(r"^FROM ", dockerfile, flags=re.M)[1:]


def test_dockerfile_is_multi_stage_with_a_slim_runtime():
    stages = _stages(DOCKERFILE)

    assert len(stages) >= 2
    assert stages[-1].startswith("python:3.11-slim AS runtime")
    assert "COPY --from=builder" in stages[-1]
    assert "pip wheel" in stages[0]


def test_dockerfile_runs_as_a_non_root_user_with_a_health_check():
    runtime = _stages(DOCKERFILE)[-1]
    users = re.findall(r"^USER\s+(\S+)", runtime, re.M)

    assert users and users[-1] not in ("root", "0"), users
    assert re.search(r"^HEALTHCHECK .*\n?.*CMD", runtime, re.M)
    assert "/healthz" in runtime
    assert re.search(r'^CMD \["gunicorn", "newsportal.wsgi:application"\]', runtime, re.M)


def test_dockerfile_collects_hashed_static_files_at_build():
    runtime = _stages(DOCKERFILE)[-1]

    assert re.search(r"DJANGO_STATIC_MANIFEST=1 python manage.py collectstatic --noinput", runtime)
    assert "DJANGO_STATIC_MANIFEST=1" in runtime.split("ENV", 1)[1]


def test_dockerfile_installs_the_dependencies_pinned_in_pyproject():
    assert "tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']" in DOCKERFILE
