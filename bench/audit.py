"""`make audit`: Lighthouse's four scores for the home page and entry pages of 200 and 5,000 updates.

Seeds a throwaway database (the demo, plus the bench's entries), serves it with
gunicorn and production settings on loopback (plain HTTP: nothing in front
terminates TLS), and runs Lighthouse 12.2.3 (mobile preset) in Debian's
Chromium on each page. Needs `.audit/node_modules/.bin/lighthouse`, which the
Makefile installs.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.servers import PROJECT_ROOT, Server, base_env, manage

LIGHTHOUSE = PROJECT_ROOT / ".audit" / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
CATEGORIES = {
    "performance": "Performance",
    "accessibility": "Accessibility",
    "best-practices": "Best Practices",
    "seo": "SEO",
}
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
)
PAGES = {"home": "/", "200 updates": "/entries/audit-200/", "5,000 updates": "/entries/audit-5000/"}
# Not the production default: plain HTTP on loopback, as `make serve` does.
PLAIN_HTTP = {"SECURE_SSL_REDIRECT": "False", "SESSION_COOKIE_SECURE": "False", "CSRF_COOKIE_SECURE": "False"}


def seed(env):
    """Migrate and collect static files, then add the demo and the two long entries."""
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage({**env, "DEBUG": "true"}, "demo")  # the demo refuses production settings; the data is the same
    # Uploaded photos, not images linked from example.com: offline, those fail to
    # load, and Lighthouse counts each failure as a console error.
    manage(env, "bench_data", "audit-200", "--updates", "200", "--photos")
    manage(env, "bench_data", "audit-5000", "--updates", "5000", "--photos")


def describe(audit):
    """Return a failed audit's title and its first few findings (a console error, an element)."""
    items = (audit.get("details") or {}).get("items") or []
    found = [
        str(item.get("description") or item.get("url") or item.get("node", {}).get("snippet"))
        for item in items
    ]
    return "; ".join([audit["title"], *found[:3]])


# Lighthouse sometimes fails to record a page load's trace on a busy machine
# (NO_NAVSTART: "Please run Lighthouse again"); it is asked up to this many times.
ATTEMPTS = 3


def lighthouse(url, report):
    """Run Lighthouse on ``url`` and return its category scores, 0 to 100 (None when it gave none)."""
    for attempt in range(1, ATTEMPTS + 1):
        run = subprocess.run(
            [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
             f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"],
            env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, timeout=600,
        )  # fmt: skip
        if run.returncode == 0:
            break
        print(f"Lighthouse failed on {url} (attempt {attempt} of {ATTEMPTS})", file=sys.stderr)
    else:
        raise RuntimeError(f"Lighthouse failed {ATTEMPTS} times on {url}")
    result = json.loads(Path(report).read_text())
    categories, audits = result["categories"], result["audits"]
    scores = {
        key: None if categories[key]["score"] is None else round(categories[key]["score"] * 100)
        for key in CATEGORIES
    }
    # What cost points: the metrics behind Performance, and any other audit that failed.
    metrics = ", ".join(f"{name} {audits[name]['displayValue']}" for name in METRICS)
    failed = sorted(
        {
            describe(audits[ref["id"]])
            for key in list(CATEGORIES)[1:]
            for ref in categories[key]["auditRefs"]
            if ref["weight"] and audits[ref["id"]]["score"] is not None and audits[ref["id"]]["score"] < 1
        }
    )
    return scores, metrics, failed


def main():
    with tempfile.TemporaryDirectory(prefix="liveblog-audit-") as directory:
        directory = Path(directory)
        env = base_env(
            f"sqlite:///{directory / 'audit.sqlite3'}",
            directory / "static",
            MEDIA_ROOT=str(directory / "media"),
            **PLAIN_HTTP,
        )
        print("Seeding the demo and entries of 200 and 5,000 updates…", file=sys.stderr)
        seed(env)
        server = Server(env, workers=2)
        try:
            results = {
                name: lighthouse(server.url + path, directory / "report.json") for name, path in PAGES.items()
            }
        finally:
            server.stop()
    width = max(map(len, PAGES))
    print(f"{'Page':<{width}}  " + "  ".join(f"{title:>14}" for title in CATEGORIES.values()))
    for name, (scores, _, _) in results.items():
        cells = ("–" if scores[key] is None else str(scores[key]) for key in CATEGORIES)
        print(f"{name:<{width}}  " + "  ".join(f"{cell:>14}" for cell in cells))
    for name, (_, metrics, failed) in results.items():
        print(f"\n{name}: {metrics}")
        for title in failed:
            print(f"  failed: {title}")


if __name__ == "__main__":
    main()
