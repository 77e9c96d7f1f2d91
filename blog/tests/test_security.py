"""Production settings and security headers."""

import os
import subprocess
import sys
from http import HTTPStatus

import pytest
from django.db import DatabaseError

from blog.tests.factories import make_entry
from blog.tests.test_settings import PROJECT_ROOT

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 20 + "a-long-random-production-key-0123456789",
    "ALLOWED_HOSTS": "live.example.com",
    "SITE_URL": "https://live.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://live.example.com",
}


def test_check_deploy_is_clean_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_plain_http_is_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == "https://testserver/"


def test_requests_the_proxy_marks_as_https_are_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == HTTPStatus.OK
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_health_check_over_plain_http_is_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (HTTPStatus.OK, {"status": "ok"})


def test_health_check_reports_the_database_and_is_never_cached(client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_health_check_is_a_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", unreachable)
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"error": "The database is unreachable."}


def test_pages_carry_security_headers(client):
    response = client.get(make_entry().get_absolute_url())
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_feed_carries_security_headers_too(client):
    response = client.get(f"/entries/{make_entry().slug}/updates.json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


def test_static_files_carry_the_same_frame_and_sniffing_headers(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # no collectstatic in tests
    response = client.get("/static/blog/site.css")
    assert response.status_code == HTTPStatus.OK
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_request_for_another_host_is_a_400_with_the_same_headers(client):
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Bad request" in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
