"""Settings come from the environment, with safe defaults."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
A_REAL_KEY = "a-real-secret-for-this-test-0123456789-abcdefghijklmnopqrstuvwxyz"


def read_setting(expression, **environment):
    """Evaluate ``expression`` on the settings of a fresh interpreter with this environment.

    A production site address is given unless the test names its own (SITE_URL="" for none).
    """
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "liveblog.settings", "ENV_FILE": os.devnull,
           "SITE_URL": "https://live.example.com", **environment}  # fmt: skip
    code = f"from django.conf import settings; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = read_setting("settings.DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_development_key():
    result = read_setting("settings.DEBUG", SECRET_KEY="django-insecure-local-development-only")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("key", ["s3cr3", "x" * 49, "abcd" * 20])
def test_production_refuses_a_short_or_repetitive_key(key):
    result = read_setting("settings.DEBUG", SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "site_url", ["", "live.example.com", "https://live.example.com/blog", "ftp://live.example.com"]
)
def test_production_refuses_to_start_without_a_site_address(site_url):
    result = read_setting("settings.DEBUG", SECRET_KEY=A_REAL_KEY, SITE_URL=site_url)
    assert result.returncode != 0
    assert "SITE_URL must be set to the site's public address" in result.stderr


def test_the_site_address_loses_a_trailing_slash_and_defaults_to_this_machine_in_development():
    assert (
        read_setting(
            "settings.SITE_URL", SECRET_KEY=A_REAL_KEY, SITE_URL="https://live.example.com/"
        ).stdout.strip()
        == "https://live.example.com"
    )
    result = read_setting("settings.SITE_URL", DEBUG="true", SITE_URL="")
    assert result.stdout.strip() == "http://127.0.0.1:8000", result.stderr


def test_an_svg_logo_is_refused_at_start_up():
    result = read_setting("settings.SITE_LOGO_URL", SECRET_KEY=A_REAL_KEY, SITE_LOGO_URL="/static/logo.svg")
    assert result.returncode != 0
    assert "SITE_LOGO_URL must be a PNG, JPEG or WebP image" in result.stderr


def test_debug_is_off_unless_asked_for():
    assert read_setting("settings.DEBUG", SECRET_KEY=A_REAL_KEY).stdout.strip() == "False"


def test_local_development_gets_a_development_only_key_of_its_own():
    first = read_setting("settings.SECRET_KEY", DEBUG="true").stdout.strip()
    assert first.startswith("django-insecure-")
    assert len(first) > 50
    assert read_setting("settings.SECRET_KEY", DEBUG="true").stdout.strip() == first, "kept across restarts"


def test_time_zone_comes_from_the_environment():
    result = read_setting("settings.TIME_ZONE", SECRET_KEY=A_REAL_KEY, TIME_ZONE="Europe/Paris")
    assert result.stdout.strip() == "Europe/Paris"


def test_allowed_hosts_come_from_the_environment():
    result = read_setting(
        "settings.ALLOWED_HOSTS", SECRET_KEY=A_REAL_KEY, ALLOWED_HOSTS="a.example,b.example"
    )
    assert result.stdout.strip() == "['a.example', 'b.example', 'localhost', '127.0.0.1', '[::1]']"


@pytest.mark.parametrize(
    ("environment", "engine"),
    [
        ({}, "django.db.backends.sqlite3"),
        # PostgreSQL through Django's backend with client-side deadlines (liveblog/db/postgresql/).
        ({"DATABASE_URL": "postgres://u@db.example:5432/live"}, "liveblog.db.postgresql"),
    ],
)
def test_database_comes_from_database_url_with_sqlite_as_the_default(environment, engine):
    result = read_setting("settings.DATABASES['default']['ENGINE']", SECRET_KEY=A_REAL_KEY, **environment)
    assert result.stdout.strip() == engine


def test_tests_on_sqlite_use_a_database_file_the_live_server_opens_on_its_own():
    # In memory, the live server's thread would borrow the test thread's connection, and a poll
    # answered while a test saves an update would fail now and then.
    result = read_setting("settings.DATABASES['default']['TEST']['NAME']", SECRET_KEY=A_REAL_KEY)
    assert result.stdout.strip() == str(PROJECT_ROOT / ".test-db.sqlite3"), result.stderr


def test_a_copy_of_env_example_is_a_working_env_file():
    example = str(PROJECT_ROOT / ".env.example")
    result = read_setting("settings.DATABASES['default']['ENGINE']", ENV_FILE=example, SECRET_KEY=A_REAL_KEY)
    assert result.stdout.strip() == "django.db.backends.sqlite3", result.stderr


def test_every_variable_read_is_documented_in_env_example_and_the_readme():
    read = set()
    for source in ["liveblog/settings.py", "gunicorn.conf.py"]:
        text = (PROJECT_ROOT / source).read_text()
        read |= set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', text))
        read |= set(re.findall(r'os\.environ\.get\(\s*["\']([A-Z_]+)["\']', text))
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "PORT"} <= read
    example = (PROJECT_ROOT / ".env.example").read_text()
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert [name for name in sorted(read) if f"# {name}=" not in example] == []
    assert [name for name in sorted(read) if f"`{name}`" not in readme] == []
