# KAP Clinic. `make demo` serves a seeded demo clinic; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
# psycopg2 builds against libpq's pg_config; without it, take the binary wheel (never both).
PG_EXTRA := $(shell command -v pg_config >/dev/null 2>&1 && echo postgres || echo postgres-binary)

.PHONY: install demo test lint worker beat bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,$(PG_EXTRA)]'
	touch $@

install: $(VENV)/.installed

# The demo runs in debug mode on plain http, on the SQLite file unless DATABASE_URL says otherwise.
demo: export DJANGO_DEBUG ?= true
# The demo's users sign in with a password alone; pages say "demo — two-factor off".
demo: export CLINIC_TWO_FACTOR_REQUIRED ?= false
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --port $(PORT)
	$(PY) manage.py serve_demo --port $(PORT)

# pytest exits 5 when it collects no test: that is not a failure of the suite.
test: install
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then exit 0; else exit $$rc; fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -c pyproject.toml -r . -q -ll

worker: install
	$(VENV)/bin/celery -A kap_clinic worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A kap_clinic beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule

# On PostgreSQL only (DATABASE_URL, default the local server) with Redis; never part of `make test`.
# BENCH_QUICK=1 is a smoke run at a tiny scale. See docs/benchmarks.md.
bench: install
	$(PY) -m tests.bench

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
