"""The baseline of `make bench`: a WSGI app with no framework, served by the same gunicorn.

`python -m bench` fetches each benchmarked response from the app, writes its body
and headers to $BENCH_BASELINE_DIR, and starts `gunicorn bench.baseline --config
gunicorn.conf.py`. This app answers /<name> with exactly those bytes, so the
app's rows divided by these show what Django, the database and the templates
cost on top of gunicorn's own request handling.
"""

import json
import os
from pathlib import Path

DIRECTORY = Path(os.environ["BENCH_BASELINE_DIR"])
MANIFEST = json.loads((DIRECTORY / "manifest.json").read_text())
RESPONSES = {
    f"/{name}": ([(header, value) for header, value in headers], (DIRECTORY / name).read_bytes())
    for name, headers in MANIFEST.items()
}
NOT_FOUND = b"Not found"


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/healthz":  # servers.Server waits for this before a run
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    if path not in RESPONSES:
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [NOT_FOUND]
    headers, body = RESPONSES[path]
    start_response("200 OK", list(headers))
    return [body]
