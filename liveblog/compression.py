"""gzip and brotli for the dynamic HTML and JSON, chosen by the request's Accept-Encoding.

Two layers use it: the micro-cache (liveblog/microcache.py) compresses each copy
it keeps once per encoding, and CompressionMiddleware compresses what Django
answers without it (micro-cache off, skipped, or a response it does not keep).
Both give a response the same headers, so the same request gets the same
answer whichever layer served it. Static files are compressed ahead of time by
whitenoise, photos are compressed already, and the admin is left alone.
BREACH does not apply: these pages and feeds carry no secrets (issue 11).
"""

import gzip

import brotli
from django.urls import reverse
from django.utils.cache import patch_vary_headers, set_response_etag

# The pages, the live feed, the Atom feeds, the sitemap and robots.txt: text made per request.
COMPRESSIBLE_TYPES = (
    "text/html",
    "application/json",
    "application/atom+xml",
    "application/xml",
    "text/plain",
)
# Below this, the headers outweigh what compression saves (Django's GZipMiddleware agrees).
MIN_BYTES = 200
# Levels for content compressed as it is served, not ahead of time: brotli's
# default quality (11) takes about 100 times longer than 5 for a few percent
# fewer bytes, and the micro-cache refills every second.
GZIP_LEVEL = 6
BROTLI_QUALITY = 5
# Preferred first when the client weighs several equally.
ENCODINGS = ("br", "gzip")


def negotiate(accept_encoding):
    """Return the encoding to send for this Accept-Encoding header: "br", "gzip" or None (identity)."""
    weights = {}
    for part in (accept_encoding or "").split(","):
        name, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            weights[name.lower()] = weight
    wildcard = weights.get("*", 0.0)
    best = max(ENCODINGS, key=lambda encoding: weights.get(encoding, wildcard))
    return best if weights.get(best, wildcard) > 0 else None


def header(headers, name):
    """Return the value of the header ``name`` (in lower case) in a list of pairs, or None."""
    return next((value for key, value in headers if key.lower() == name), None)


def is_compressible(headers, body):
    """Return whether a response is text made per request, not encoded already, and big enough to gain."""
    content_type = (header(headers, "content-type") or "").split(";")[0].strip().lower()
    return (
        content_type in COMPRESSIBLE_TYPES
        and header(headers, "content-encoding") is None
        and "no-transform" not in (header(headers, "cache-control") or "").lower()
        and len(body) >= MIN_BYTES
    )


def compress(body, encoding):
    """Return ``body`` compressed with ``encoding`` ("br" or "gzip")."""
    if encoding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    # mtime=0: the same body always gives the same bytes.
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def tagged(etag, encoding):
    """Return the ETag of ``encoding``'s bytes: the identity ETag with the encoding inside its quotes."""
    return etag[:-1] + f'-{encoding}"' if etag.endswith('"') else f"{etag}-{encoding}"


def with_vary(headers):
    """Return ``headers`` with Accept-Encoding in Vary."""
    vary = header(headers, "vary")
    if vary is None:
        return [*headers, ("Vary", "Accept-Encoding")]
    if "accept-encoding" in (token.strip().lower() for token in vary.split(",")):
        return list(headers)
    return [(k, f"{v}, Accept-Encoding" if k.lower() == "vary" else v) for k, v in headers]


def encode(headers, body, encoding):
    """Return (headers, body) of a compressible response in ``encoding`` (None: identity), with Vary."""
    headers = with_vary(headers)
    if encoding is None:
        return headers, body
    body = compress(body, encoding)
    replaced = {"content-length": str(len(body))}
    etag = header(headers, "etag")
    if etag is not None:
        replaced["etag"] = tagged(etag, encoding)
    headers = [(k, replaced.get(k.lower(), v)) for k, v in headers if k.lower() != "content-encoding"]
    return [*headers, ("Content-Encoding", encoding)], body


class CompressionMiddleware:
    """Compress Django's HTML and JSON answers, as the micro-cache does for the copies it keeps.

    It sits just inside ConditionalGetMiddleware: it gives a compressed answer the
    ETag of its encoding (the identity ETag, made here when the view set none, with
    a suffix), so ConditionalGetMiddleware then answers 304 per encoding.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(self.admin_prefix)
            or response.streaming
            or not is_compressible(response.items(), response.content)
        ):
            return response
        encoding = negotiate(request.headers.get("Accept-Encoding"))
        patch_vary_headers(response, ["Accept-Encoding"])
        if encoding is None:
            return response
        # The ETag ConditionalGetMiddleware would give the identity bytes (it skips no-store).
        needs_etag = "no-store" not in response.get("Cache-Control", "").lower()
        if request.method == "GET" and needs_etag and not response.has_header("ETag"):
            set_response_etag(response)
        headers, body = encode(list(response.items()), response.content, encoding)
        response.content = body
        for name, value in headers:
            response[name] = value
        return response
