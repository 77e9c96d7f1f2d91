"""A per-process cache of public responses that lives one second, in front of Django.

Without a CDN (or when it misses) thousands of readers poll the same few
URLs: the up-to-date feed URL of a live entry, its page. Django's request
work (middleware, URL routing, a database query, JSON or template rendering)
is then repeated for identical answers. This WSGI layer sits between gunicorn
and Django, the way whitenoise does for static files, and keeps each such
answer for ``seconds`` (one by default), so a busy worker builds it about once
a second instead of once per request.

It stays correct across servers without any invalidation: a copy expires by
itself after a second, far inside the ten seconds the CDN and browsers are
already allowed to keep the same response, and the feed's cursors make any
staleness self-correcting. It stores only what any shared cache may store:
a 200 that Django marked ``public``, with no Set-Cookie and no Vary, for a
GET without credentials, outside the static and admin URLs.

It also keeps readers reading while the database is away: when Django answers
an error (a 503 during an outage) for a URL it holds a copy of, younger than
``stale_seconds`` (five minutes by default), the copy is served instead, marked
with ``Age`` and ``Cache-Status`` (RFC 9211). For a few seconds after a 503 the
copy is served without asking Django again, so a frozen database does not
hold a worker thread per reader.

It compresses what it keeps (liveblog/compression.py): Django is asked for the
identity bytes, and each copy is compressed once per encoding a reader asks
for, on first demand, however many readers then receive it.
"""

import threading
import time

from django.utils.http import parse_etags

from liveblog import compression

CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
# Headers a 304 repeats from the full response (RFC 9110, section 15.4.5).
NOT_MODIFIED_HEADERS = {"cache-control", "content-location", "date", "etag", "expires", "vary"}
# Memory bounds per process: a 5,000-update page is about 1.7 MB, and it is
# exactly the response that most needs caching when there is no CDN.
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
# After Django answers 503 for a URL, serve its stale copy this long before asking again.
ORIGIN_RETRY_SECONDS = 5


class Representation:
    def __init__(self, headers, body):
        self.headers = headers
        self.body = body
        self.etag = compression.header(headers, "etag")


class CachedResponse:
    def __init__(self, headers, body, stored_at):
        self.compressible = compression.is_compressible(headers, body)
        if self.compressible:
            headers, body = compression.encode(headers, body, None)  # adds Vary: Accept-Encoding
        self.identity = Representation(headers, body)
        self.stored_at = stored_at
        self.origin_down_until = float("-inf")
        self.encoded = {}
        self.lock = threading.Lock()

    @property
    def size(self):
        return len(self.identity.body) + sum(len(r.body) for r in self.encoded.values())

    def representation(self, encoding):
        """Return this copy in ``encoding`` (None: identity), compressing it on the first demand only."""
        if encoding is None or not self.compressible:
            return self.identity
        with self.lock:
            if encoding not in self.encoded:
                self.encoded[encoding] = Representation(
                    *compression.encode(self.identity.headers, self.identity.body, encoding)
                )
            return self.encoded[encoding]


class MicroCache:
    def __init__(
        self,
        app,
        seconds=1.0,
        stale_seconds=300.0,
        scheme_header="HTTP_X_FORWARDED_PROTO",
        skipped_prefixes=(),
        max_entries=512,
        max_bytes=MAX_TOTAL_BYTES,
        clock=time.monotonic,
    ):
        self.app = app
        # The proxy's header that says a request was HTTPS (SECURE_PROXY_SSL_HEADER).
        self.scheme_header = scheme_header
        # Static files (whitenoise answers them already) and the private admin.
        self.skipped_prefixes = tuple(skipped_prefixes)
        self.seconds = seconds
        self.stale_seconds = stale_seconds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.clock = clock
        self.entries = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not self.is_cacheable_request(environ):
            return self.app(environ, start_response)
        key = self.key(environ)
        now = self.clock()
        cached = self.entries.get(key)
        if cached is not None and now - cached.stored_at < self.seconds:
            return self.respond(environ, start_response, cached)
        if cached is not None and now < cached.origin_down_until:
            return self.respond_stale(environ, start_response, cached, now)
        fresh, passthrough = self.fetch(environ, now)
        if fresh is not None:
            self.store(key, fresh)
            return self.respond(environ, start_response, fresh)
        status, headers, body = passthrough
        if cached is not None and status.startswith("5") and now - cached.stored_at < self.stale_seconds:
            if status.startswith("503 "):
                cached.origin_down_until = now + ORIGIN_RETRY_SECONDS
            return self.respond_stale(environ, start_response, cached, now)
        start_response(status, headers)
        return body

    def is_cacheable_request(self, environ):
        return (
            self.seconds > 0
            and environ["REQUEST_METHOD"] in ("GET", "HEAD")
            and "HTTP_AUTHORIZATION" not in environ
            and not environ.get("PATH_INFO", "").startswith(self.skipped_prefixes)
        )

    def key(self, environ):
        # Everything Django's answer may depend on for a public, Vary-less response:
        # the host (ALLOWED_HOSTS, absolute URLs), the scheme (the HTTPS redirect), the URL.
        return (
            environ.get("HTTP_HOST", ""),
            environ.get(self.scheme_header, ""),
            environ["wsgi.url_scheme"],
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
        )

    def fetch(self, environ, now):
        """Ask Django for the full GET answer; return (CachedResponse, None) or (None, passthrough)."""
        inner = dict(environ, REQUEST_METHOD="GET")
        # The identity bytes: this layer compresses them, once per copy and encoding.
        for header in (*CONDITIONAL_HEADERS, "HTTP_ACCEPT_ENCODING"):
            inner.pop(header, None)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None  # nothing uses the legacy write() callable here

        result = self.app(inner, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = captured["status"], captured["headers"]
        if not self.is_cacheable_response(status, headers, body):
            if compression.is_compressible(headers, body):
                encoding = compression.negotiate(environ.get("HTTP_ACCEPT_ENCODING"))
                headers, body = compression.encode(headers, body, encoding)
            if environ["REQUEST_METHOD"] == "HEAD":
                body = b""
            return None, (status, headers, [body])
        return CachedResponse(headers, body, now), None

    @staticmethod
    def is_cacheable_response(status, headers, body):
        names = {name.lower(): value for name, value in headers}
        return (
            status.startswith("200 ")
            and "public" in names.get("cache-control", "")
            and "set-cookie" not in names
            # Vary: Accept-Encoding only, since this layer serves each encoding itself.
            and {token.strip().lower() for token in names.get("vary", "").split(",")}
            <= {"", "accept-encoding"}
            and len(body) <= MAX_BODY_BYTES
        )

    def store(self, key, cached):
        with self.lock:
            self.entries[key] = cached
            if self.is_over_budget():
                fresh_since = cached.stored_at - self.seconds
                self.entries = {k: v for k, v in self.entries.items() if v.stored_at > fresh_since}
            if self.is_over_budget():
                self.entries = {key: cached}

    def is_over_budget(self):
        return (
            len(self.entries) > self.max_entries
            or sum(entry.size for entry in self.entries.values()) > self.max_bytes
        )

    def respond_stale(self, environ, start_response, cached, now):
        age = int(now - cached.stored_at)
        marks = [("Age", str(age)), ("Cache-Status", f"liveblog; hit; ttl={-age}; detail=origin-error")]
        return self.respond(environ, start_response, cached, marks)

    def respond(self, environ, start_response, cached, extra_headers=()):
        # No Age header on a fresh copy: it is at most LIVE_MICROCACHE_SECONDS (one
        # by default) old, a rounding error next to the max-age downstream caches apply.
        chosen = cached.representation(compression.negotiate(environ.get("HTTP_ACCEPT_ENCODING")))
        if "HTTP_IF_NONE_MATCH" in environ and chosen.etag:
            # Weak comparison, as Django's own: a CDN that compresses sends W/"...".
            client_etags = {tag.removeprefix("W/") for tag in parse_etags(environ["HTTP_IF_NONE_MATCH"])}
            if chosen.etag.removeprefix("W/") in client_etags or "*" in client_etags:
                headers = [(n, v) for n, v in chosen.headers if n.lower() in NOT_MODIFIED_HEADERS]
                start_response("304 Not Modified", [*headers, *extra_headers])
                return [b""]
        start_response("200 OK", [*chosen.headers, *extra_headers])
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [chosen.body]
