"""The three measurements: throughput against the baseline, behind a CDN, and growth."""

import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import cdn, nginx, wrk
from bench.config import ACCEPT_COMPRESSED, VARIANTS, log
from bench.servers import Client

HOP_BY_HOP = {"connection", "date", "keep-alive", "server", "transfer-encoding"}
ACCESS_LINE = re.compile(r'"GET (\S+) HTTP/1\.[01]" (\d{3}) ')
MAX_AGE = re.compile(r"\bmax-age=(\d+)")


@dataclass
class Target:
    """One benchmarked response: its URL on the app and its name as a file for the baseline."""

    kind: str
    path: str
    name: str
    body: bytes = b""
    headers: list = field(default_factory=list)
    request_headers: dict = field(default_factory=dict)

    def header(self, name):
        return next(v for k, v in self.headers if k.lower() == name.lower())

    @property
    def max_age(self):
        """The seconds the app lets a shared cache keep this response (LIVE_POLL_INTERVAL for the feed)."""
        found = MAX_AGE.search(self.header("Cache-Control"))
        if found is None:
            raise RuntimeError(f"{self.path} has no max-age: {self.header('Cache-Control')!r}")
        return int(found[1])


@dataclass
class CdnResult:
    """One URL behind the CDN: what its readers were served, what reached the app."""

    path: str
    served: wrk.WrkResult
    reached: int
    statuses: dict


@dataclass
class Measurements:
    targets: list
    throughput: dict  # a target's kind -> variant -> one WrkResult per round
    growth: list  # {"kind": ..., "cells": [(median ms, bytes) per entry size]}
    cdn: list  # CdnResult per URL
    cdn_per_url: int  # wrk connections per URL
    poll_interval: int  # the feed's max-age, as the servers were configured


def fetch(client, path, headers=None):
    status, headers, body = client.request(path, headers=headers)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    return headers, body


def capture_targets(app, slug, directory):
    """Fetch the three responses from the app; write them where the baseline and nginx serve them."""
    client = Client(app)
    feed = f"/entries/{slug}/updates.json"
    _, full = fetch(client, feed)
    cursor = json.loads(full)["cursor"]
    targets = [
        Target("empty poll", f"{feed}?since={cursor}", "poll.json"),
        Target("full list", feed, "list.json"),
        Target("page", f"/entries/{slug}/", "page.html"),
        Target("compressed empty poll", f"{feed}?since={cursor}", "poll-compressed.json",
               request_headers=ACCEPT_COMPRESSED),
        Target("compressed page", f"/entries/{slug}/", "page-compressed.html",
               request_headers=ACCEPT_COMPRESSED),
    ]  # fmt: skip
    directory.mkdir(parents=True)
    manifest = {}
    for target in targets:
        headers, target.body = fetch(client, target.path, target.request_headers)
        target.headers = [(k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP]
        (directory / target.name).write_bytes(target.body)
        manifest[target.name] = target.headers
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1))
    for path in directory.iterdir():
        path.chmod(0o644)
    return targets


def measure_throughput(settings, targets, urls):
    """Run wrk on every target and variant: the runs of each, by target kind and variant.

    The variants of a target are measured back to back, in rounds whose order
    alternates (A B C D, D C B A, ...): a machine that slows down or speeds up
    during the run then weighs on a row and its baseline alike. Each round opens
    new connections, and how gunicorn's workers happen to share them out (all
    on one worker, or half each) moves a short run by tens of percent: several
    rounds average that out, and the range shows what is left.
    """

    def run(url, seconds, headers):
        return wrk.run(url, seconds, settings.connections, settings.wrk_threads, headers)

    throughput = {}
    for target in targets:
        runs = throughput[target.kind] = {variant: [] for variant, _ in VARIANTS}
        for round_number in range(settings.rounds):
            for variant, label in VARIANTS if round_number % 2 == 0 else VARIANTS[::-1]:
                url = urls[variant] + (
                    f"/{target.name}" if variant in ("baseline", "ceiling") else target.path
                )
                if round_number == 0:
                    log(f"{target.kind}: {label} ({url})")
                    if settings.warmup:
                        run(url, settings.warmup, target.request_headers)
                runs[variant].append(run(url, settings.round_seconds, target.request_headers))
    return throughput


def count_requests(log_path, paths):
    """Count the GETs of each path in a gunicorn access log."""
    counts = dict.fromkeys(paths, 0)
    for line in Path(log_path).read_text(errors="replace").splitlines():
        match = ACCESS_LINE.search(line)
        if match and match[1] in counts:
            counts[match[1]] += 1
    return counts


def measure_cdn(settings, origin, targets, directory):
    """Many readers behind nginx's cache: what they are served against what reaches the app.

    Stops ``origin`` to read its access log; returns the results and the connections per URL.
    """
    nginx_dir = directory / "nginx-cdn"
    nginx_dir.mkdir()
    nginx.open_to_workers(nginx_dir, directory)
    proxy = cdn.start_cdn(nginx_dir, origin.port)
    chosen = [t for t in targets if t.kind in ("empty poll", "page")]
    per_url = max(settings.cdn_connections // len(chosen), 1)
    log(f"CDN: {settings.cdn_connections} connections for {settings.cdn_seconds}s via {proxy.url}")
    try:
        processes = [wrk.start(proxy.url + t.path, settings.cdn_seconds, per_url, 1) for t in chosen]
        served = [wrk.finish(process) for process in processes]
    finally:
        proxy.stop()  # flushes nginx's access log
        origin.stop()
    paths = [t.path for t in chosen]
    reached = count_requests(origin.log.name, paths)
    statuses = cdn.cache_statuses(nginx_dir / cdn.CDN_LOG, paths)
    results = [
        CdnResult(path, result, reached[path], statuses[path])
        for path, result in zip(paths, served, strict=True)
    ]
    return results, per_url


def median_ms(client, path, samples):
    """Median milliseconds of ``samples`` sequential GETs, after one to warm up."""
    fetch(client, path)
    times, size = [], 0
    for _ in range(samples):
        started = time.perf_counter()
        _, body = fetch(client, path)
        times.append((time.perf_counter() - started) * 1000)
        size = len(body)
    return statistics.median(times), size


def measure_growth(settings, app_off, slugs):
    """Time the uncached page, feed without since and up-to-date poll of each entry, micro-cache off.

    Not cache-busting query strings on the production server: the app redirects
    those to the canonical URL (so that they cannot bypass a cache).
    """
    client = Client(app_off)
    feeds = {slug: f"/entries/{slug}/updates.json" for slug in slugs}
    polls = {
        slug: f"{feed}?since={json.loads(fetch(client, feed)[1])['cursor']}" for slug, feed in feeds.items()
    }
    rows = []
    for kind, path_of in [
        ("page", "/entries/{}/".format),
        ("feed without since", feeds.get),
        ("poll", polls.get),
    ]:
        cells = [median_ms(client, path_of(slug), settings.samples) for slug in slugs]
        rows.append({"kind": kind, "cells": cells})
        log(f"growth: {kind}: " + ", ".join(f"{ms:.1f} ms" for ms, _ in cells))
    return rows
