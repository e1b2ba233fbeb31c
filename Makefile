# Cửa khẩu số — `make run` starts the platform with demo data; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Tests use the local PostgreSQL when it answers (CI always does), else SQLite.
PG_URL ?= postgres://postgres@127.0.0.1:5432/cuakhau
PYTEST_ARGS ?=

.PHONY: fonts install run test lint fmt bench clean browser messages mutate

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

# Debian's Chromium for the browser tests (never a downloaded browser).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
	      || echo "WARNING: could not install chromium; browser tests will be skipped"; \
	  else echo "WARNING: /usr/bin/chromium missing (apt-get install chromium chromium-driver); browser tests will be skipped"; fi; \
	fi

# Fonts of the ticket image and PDF (Vietnamese diacritics, Chinese plates and gate names).
fonts:
	@if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core fonts-wqy-microhei) \
	      || echo "WARNING: could not install the ticket fonts; tickets use Pillow's own font"; \
	  else echo "WARNING: fonts missing (apt-get install fonts-dejavu-core fonts-wqy-microhei); tickets use Pillow's own font"; fi; \
	fi

run: install fonts
	./scripts/run.sh

test: install browser fonts
	@if [ -z "$$DATABASE_URL" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  export DATABASE_URL=$(PG_URL); echo "tests on PostgreSQL ($(PG_URL))"; \
	else echo "tests on $${DATABASE_URL:-SQLite (PostgreSQL not answering)}"; fi; \
	TASKS_MODE=eager $(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Ruff's rules (imports at the top of modules included) and format, the floors and no import
# cycle (scripts/check_imports.py), then mypy with the Django and DRF stubs on the apps
# (pyproject.toml: [tool.ruff], [tool.mypy]; docs/architecture.md, "Imports and types").
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/check_imports.py
	$(VENV)/bin/mypy

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Message catalogues without source locations, so parallel work on strings merges cleanly.
messages: install
	$(PY) manage.py makemessages -l vi -l en -l zh_Hans --no-location --ignore ".venv/*" --ignore "tests/*" --ignore "bench/*"
	$(PY) manage.py makemessages -d djangojs -l vi -l en -l zh_Hans --no-location --ignore ".venv/*" --ignore "tests/*" --ignore "bench/*" --ignore "static/vendor/*" --ignore "staticfiles/*"
	$(PY) manage.py compilemessages --ignore ".venv/*"

# Mutation testing of the rule and service modules, one at a time on SQLite (not in CI; about
# an hour on two cores). `make mutate MUTATE_ARGS="plates --again"`: see docs/testing.md.
MUTATE_ARGS ?=
mutate: install
	$(PY) scripts/mutate.py $(MUTATE_ARGS)

# The benches (bench/_*.py, settings.py and urls.py are their support). kiosk_http,
# booking_burst and positions_http need wrk (Debian package): `make bench BENCHES="kiosk_http"`.
BENCHES ?= booking_contention kiosk_scan kiosk_http booking_burst notifications_drain positions_http
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } \
	  || echo "WARNING: wrk missing (apt-get install -y wrk)"
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(PY) bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .mutants
