# The two commands a newcomer needs: `make run` and `make test`. Everything else is here for developers and CI.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MANAGE := $(BIN)/python manage.py
# Where the integration tests find the real services (the defaults are this machine's and CI's).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/newsportal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/13
TEST_BROKER_URL ?= redis://127.0.0.1:6379/14
# The benchmarks' PostgreSQL database for the scenarios that write (dropped and created by each run).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/np_bench

.PHONY: install run test test-unit test-integration lint format bench stack clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## run: set up the embedded default (SQLite, in-process tasks), load the seed and demo data, serve :8000
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_seed
	$(MANAGE) seed_demo --articles 200 --comments 2000 --pending 100 --if-empty
	$(MANAGE) seed_views
	$(MANAGE) create_moderator
	$(MANAGE) runserver 127.0.0.1:8000

## test: the fast suite on the embedded default (plus the browser tests), then the integration suite
test: test-unit test-integration

test-unit: install
	$(BIN)/python -m pytest tests --ignore=tests/integration -q -n 2

# The unit tests of posting, counts and the comment API again on PostgreSQL, where posting takes its own path
# (prepared statements, the write in one statement: comments/services/posting.py).
PG_UNIT_TESTS := tests/comments/test_posting.py tests/comments/test_posting_one_round_trip.py tests/comments/test_counts.py tests/comments/test_views.py \
	tests/api/test_comments_api.py tests/api/test_idempotency.py tests/api/test_versions.py tests/api/test_guest_json_post.py

# Real PostgreSQL, Redis and Celery worker; skipped with a reason when they are down (a failure under CI=true).
test-integration: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(BIN)/python -m pytest tests/integration -q
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest $(PG_UNIT_TESTS) -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: every benchmark against hello-world Django/DRF ceilings in the same run -> docs/benchmarks.md
bench: install
	$(BIN)/python bench/run.py --postgres-url $(BENCH_DATABASE_URL)

## stack: docker-compose's topology without Docker: gunicorn + Celery worker + beat on local PostgreSQL/Redis
stack: install
	bin/stack

clean:
	rm -rf $(VENV) var staticfiles
