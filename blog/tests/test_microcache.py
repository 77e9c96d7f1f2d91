"""The one-second per-process response cache in front of Django (liveblog/microcache.py)."""

from wsgiref.util import setup_testing_defaults

import pytest

from liveblog.microcache import MicroCache

PUBLIC = [("Content-Type", "application/json"), ("Cache-Control", "public, max-age=10"), ("ETag", '"v1"')]


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class CountingApp:
    """A stand-in for Django that counts calls and answers what it is told."""

    def __init__(self, status="200 OK", headers=PUBLIC, body=b'{"n": 1}'):
        self.status, self.headers, self.body = status, headers, body
        self.calls = []

    def __call__(self, environ, start_response):
        self.calls.append(dict(environ))
        start_response(self.status, list(self.headers))
        return [self.body]


def request(app, path="/entries/a/updates.json", query="since=3", method="GET", **headers):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, **headers}
    setup_testing_defaults(environ)
    response = {}

    def start_response(status, response_headers, exc_info=None):
        response["status"], response["headers"] = status, dict(response_headers)

    response["body"] = b"".join(app(environ, start_response))
    return response


@pytest.fixture
def clock():
    return FakeClock()


def test_identical_requests_within_a_second_reach_the_app_once(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, clock=clock)
    first, second = request(cache), request(cache)
    assert len(inner.calls) == 1
    assert first["body"] == second["body"] == b'{"n": 1}'
    assert second["headers"]["Cache-Control"] == "public, max-age=10"


def test_a_copy_expires_by_itself_after_the_configured_seconds(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, clock=clock)
    request(cache)
    clock.now += 1.0
    request(cache)
    assert len(inner.calls) == 2


def test_different_urls_hosts_and_schemes_are_cached_apart(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, clock=clock)
    request(cache, query="since=3")
    request(cache, query="since=4")
    request(cache, HTTP_HOST="other.example")
    request(cache, HTTP_X_FORWARDED_PROTO="https")
    assert len(inner.calls) == 4


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        ("404 Not Found", PUBLIC),
        ("301 Moved Permanently", PUBLIC),
        ("200 OK", [("Cache-Control", "private")]),
        ("200 OK", [("Cache-Control", "no-cache, no-store, must-revalidate, private, max-age=0")]),
        ("200 OK", [*PUBLIC, ("Set-Cookie", "sessionid=x")]),
        ("200 OK", [*PUBLIC, ("Vary", "Cookie")]),
    ],
)
def test_only_public_200s_without_cookies_or_vary_are_kept(clock, status, headers):
    inner = CountingApp(status=status, headers=headers)
    cache = MicroCache(inner, seconds=1, clock=clock)
    assert request(cache)["status"] == status
    request(cache)
    assert len(inner.calls) == 2


@pytest.mark.parametrize(
    ("path", "method", "extra"),
    [
        ("/entries/a/updates.json", "POST", {}),
        ("/admin/", "GET", {}),
        ("/static/blog/live.js", "GET", {}),
        ("/entries/a/updates.json", "GET", {"HTTP_AUTHORIZATION": "Basic eDp5"}),
    ],
)
def test_writes_credentials_admin_and_static_files_pass_straight_through(clock, path, method, extra):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, skipped_prefixes=("/static/", "/admin/"), clock=clock)
    request(cache, path=path, method=method, **extra)
    request(cache, path=path, method=method, **extra)
    assert len(inner.calls) == 2
    assert inner.calls[0]["REQUEST_METHOD"] == method


def test_matching_if_none_match_gets_a_304_from_the_cache(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, clock=clock)
    request(cache)
    response = request(cache, HTTP_IF_NONE_MATCH='"v1"')
    assert response["status"] == "304 Not Modified"
    assert response["body"] == b""
    assert response["headers"]["ETag"] == '"v1"'
    assert "Content-Type" not in response["headers"]
    assert len(inner.calls) == 1


def test_a_conditional_miss_still_caches_the_full_answer(clock):
    """Django is asked without the client's validators, so the stored copy has a body."""
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, clock=clock)
    assert request(cache, HTTP_IF_NONE_MATCH='"v1"')["status"] == "304 Not Modified"
    assert "HTTP_IF_NONE_MATCH" not in inner.calls[0]
    assert request(cache)["body"] == b'{"n": 1}'


def test_head_is_answered_from_the_get_copy_without_a_body(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, clock=clock)
    head = request(cache, method="HEAD")
    assert (head["status"], head["body"]) == ("200 OK", b"")
    assert head["headers"]["ETag"] == '"v1"'
    assert inner.calls[0]["REQUEST_METHOD"] == "GET"
    assert request(cache)["body"] == b'{"n": 1}'
    assert len(inner.calls) == 1


def test_zero_seconds_turns_the_cache_off(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=0, clock=clock)
    request(cache)
    request(cache)
    assert len(inner.calls) == 2


def test_the_number_of_copies_is_bounded(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, max_entries=10, clock=clock)
    for since in range(50):
        request(cache, query=f"since={since}")
    assert len(cache.entries) <= 10


def test_the_bytes_held_are_bounded(clock):
    inner = CountingApp(body=b"x" * 1000)
    cache = MicroCache(inner, seconds=1, max_bytes=5000, clock=clock)
    for since in range(20):
        request(cache, query=f"since={since}")
    assert sum(entry.size for entry in cache.entries.values()) <= 5000
    request(cache, query="since=19")
    assert len(inner.calls) == 20, "the newest copy is kept"


def test_a_large_page_is_cached_but_an_oversized_one_is_not(clock):
    inner = CountingApp(body=b"x" * (2 * 1024 * 1024))
    cache = MicroCache(inner, seconds=1, clock=clock)
    request(cache)
    request(cache)
    assert len(inner.calls) == 1
    huge = CountingApp(body=b"x" * (9 * 1024 * 1024))
    cache = MicroCache(huge, seconds=1, clock=clock)
    request(cache)
    request(cache)
    assert len(huge.calls) == 2


def test_the_configured_proxy_https_header_is_part_of_the_key(clock):
    """With SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_SSL,on a plain request must not get the HTTPS copy."""
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, scheme_header="HTTP_X_FORWARDED_SSL", clock=clock)
    request(cache, HTTP_X_FORWARDED_SSL="on")
    request(cache)
    assert len(inner.calls) == 2


def test_a_weak_etag_from_a_compressing_cdn_still_matches(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, clock=clock)
    request(cache)
    assert request(cache, HTTP_IF_NONE_MATCH='W/"v1"')["status"] == "304 Not Modified"


def test_production_wsgi_application_runs_behind_the_micro_cache(settings):
    from liveblog.wsgi import application

    assert isinstance(application, MicroCache)
    assert application.seconds == settings.LIVE_MICROCACHE_SECONDS
    assert application.stale_seconds == settings.LIVE_STALE_SECONDS
    assert application.skipped_prefixes == ("/static/", "/media/", "/admin/")
    assert application.scheme_header == settings.SECURE_PROXY_SSL_HEADER[0]


UNAVAILABLE = ("503 Service Unavailable", [("Content-Type", "application/json"), ("Retry-After", "30")])


def test_during_an_outage_readers_get_the_last_good_copy_marked_with_its_age(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, stale_seconds=300, clock=clock)
    request(cache)
    inner.status, inner.headers, inner.body = *UNAVAILABLE, b'{"error": "down"}'
    clock.now += 42
    response = request(cache)
    assert (response["status"], response["body"]) == ("200 OK", b'{"n": 1}')
    assert response["headers"]["Age"] == "42"
    assert response["headers"]["Cache-Status"] == "liveblog; hit; ttl=-42; detail=origin-error"
    assert response["headers"]["ETag"] == '"v1"'


def test_after_a_503_the_stale_copy_is_served_for_a_few_seconds_without_asking_django(clock):
    """A frozen database must not cost a worker thread per reader while the copy is good enough."""
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, clock=clock)
    request(cache)
    inner.status, inner.headers = UNAVAILABLE
    clock.now += 2
    request(cache)
    calls_so_far = len(inner.calls)
    for _ in range(10):
        clock.now += 0.4
        assert request(cache)["status"] == "200 OK"
    assert len(inner.calls) == calls_so_far
    clock.now += 1.5
    request(cache)
    assert len(inner.calls) == calls_so_far + 1, "then Django is asked again"


def test_a_copy_older_than_the_stale_limit_is_not_served(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, stale_seconds=300, clock=clock)
    request(cache)
    inner.status, inner.headers = UNAVAILABLE
    clock.now += 301
    response = request(cache)
    assert response["status"] == "503 Service Unavailable"
    assert response["headers"]["Retry-After"] == "30"


def test_without_a_copy_the_error_passes_through(clock):
    inner = CountingApp(*UNAVAILABLE)
    response = request(MicroCache(inner, seconds=1, clock=clock))
    assert response["status"] == "503 Service Unavailable"


def test_a_client_error_is_never_answered_with_a_stale_copy(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, clock=clock)
    request(cache)
    inner.status = "404 Not Found"
    clock.now += 5
    assert request(cache)["status"] == "404 Not Found", "a deleted entry is gone, not down"


def test_once_django_answers_again_the_fresh_copy_replaces_the_stale_one(clock):
    inner = CountingApp()
    cache = MicroCache(inner, seconds=1, clock=clock)
    request(cache)
    inner.status, inner.headers = UNAVAILABLE
    clock.now += 10
    request(cache)
    inner.status, inner.headers, inner.body = "200 OK", PUBLIC, b'{"n": 2}'
    clock.now += 10
    response = request(cache)
    assert (response["body"], "Age" in response["headers"]) == (b'{"n": 2}', False)
