"""`make bench`: what serving the live feed and page costs, and what a CDN saves.

Run with the project's venv: `.venv/bin/python bench/run.py` (`make bench`).
It prints a Markdown report and writes it to bench/results.md. Three parts:

1. Throughput. gunicorn with gunicorn.conf.py and production settings, on an
   entry of 200 updates, measured with wrk for the poll that returns nothing
   new, the full list and the entry page, with the micro-cache on (production)
   and off. Under the same gunicorn settings, bench/baseline.py (no framework)
   returns the same bytes: that is the baseline every row is divided by; nginx
   serving the same bytes as static files is the ceiling.
2. CDN. nginx with proxy_cache and proxy_cache_lock in front of the app, many
   readers polling the up-to-date feed URL and loading the page: requests
   served against requests that reached the app.
3. Growth. Median time of one page and one full list, sequentially, on the
   200-update entry and a big one (5,000 updates), with a fresh query string
   per request so that no cache can answer.

Timings on a shared machine are noisy: compare the ratios of one run, not
numbers across runs. Environment knobs, with their defaults:

- BENCH_QUICK=1: a short smoke run (blog/tests/test_bench.py), not a measurement
- BENCH_SECONDS=12 per throughput row, in BENCH_ROUNDS=4 rounds of alternating
  order, after a BENCH_WARMUP=2 s warm-up; BENCH_CONNECTIONS=32 (wrk -c)
- BENCH_WORKERS=1 and BENCH_THREADS=4: gunicorn's, for the app and the baseline.
  One worker, because wrk holds its keep-alive connections for a whole round and
  gunicorn lets whichever worker accepts first keep them: with two workers a
  round measured one or two processes by luck (rounds of 2,000 and 8,000 req/s
  for the same server). One worker also leaves wrk the machine's other core.
- BENCH_CDN_SECONDS=30 and BENCH_CDN_CONNECTIONS=400 for the CDN part
- BENCH_BIG_UPDATES=5000 and BENCH_SAMPLES=20 for the growth part
- BENCH_OUTPUT=bench/results.md
- DATABASE_URL=postgres://...: run on a throwaway database on that server
"""

import datetime
import functools
import grp
import json
import os
import platform
import pwd
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from bench.servers import Client, Server, base_env, database, free_port, manage, prepare  # noqa: E402
from liveblog.microcache import MAX_BODY_BYTES  # noqa: E402

TARGETS = {"empty poll": 0.6, "full list": 0.4, "page": 0.3}
VARIANTS = [
    ("baseline", "baseline (WSGI app, no framework)"),
    ("app", "app (production: micro-cache on)"),
    ("app-off", "app, micro-cache off"),
    ("ceiling", "nginx static file (ceiling)"),
]
HOP_BY_HOP = {"connection", "date", "keep-alive", "server", "transfer-encoding"}
WRK_HEADER = "X-Forwarded-Proto: https"
# wrk's default of 2 s would count the slow rows' (micro-cache off) queued requests as errors.
WRK_TIMEOUT = "10s"
POLL_INTERVAL = 10  # LIVE_POLL_INTERVAL's default: the max-age the app sends


@dataclass(frozen=True)
class Settings:
    quick: bool
    seconds: int
    rounds: int
    warmup: int
    cdn_seconds: int
    updates: int
    big_updates: int
    samples: int
    workers: int
    threads: int
    wrk_threads: int
    connections: int
    cdn_connections: int
    output: Path

    @property
    def round_seconds(self):
        return max(self.seconds // self.rounds, 1)

    @classmethod
    def from_environment(cls, environ=os.environ):
        quick = environ.get("BENCH_QUICK", "") == "1"

        def number(name, default, quick_default=None):
            fallback = quick_default if quick and quick_default is not None else default
            return int(environ.get(name, fallback))

        return cls(
            quick=quick,
            seconds=number("BENCH_SECONDS", 12, 1),
            rounds=number("BENCH_ROUNDS", 4, 1),
            warmup=number("BENCH_WARMUP", 2, 0),
            cdn_seconds=number("BENCH_CDN_SECONDS", 30, 3),
            updates=200,
            big_updates=number("BENCH_BIG_UPDATES", 5000, 400),
            samples=number("BENCH_SAMPLES", 20, 3),
            workers=number("BENCH_WORKERS", 1),
            threads=number("BENCH_THREADS", 4),
            wrk_threads=1,
            connections=number("BENCH_CONNECTIONS", 32),
            cdn_connections=number("BENCH_CDN_CONNECTIONS", 400, 100),
            output=Path(environ.get("BENCH_OUTPUT", PROJECT_ROOT / "bench" / "results.md")),
        )


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


TOOLS = {"wrk": "/usr/bin/wrk", "nginx": "/usr/sbin/nginx"}


@functools.cache
def tool(name):
    """Return the tool's path; Debian puts nginx in /usr/sbin, which a user's PATH may lack."""
    found = shutil.which(name) or (TOOLS[name] if os.access(TOOLS[name], os.X_OK) else None)
    if found is None:
        sys.exit(f"bench: {name} is missing; `make bench` installs it (apt-get install {name}).")
    return found


# wrk ---------------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    rps: float
    latency_ms: float
    socket_errors: dict = field(default_factory=dict)
    non_2xx_3xx: int = 0

    @classmethod
    def combine(cls, results):
        """One result from runs of equal length: mean rates and latencies, summed counts."""
        return cls(
            requests=sum(r.requests for r in results),
            rps=statistics.fmean(r.rps for r in results),
            latency_ms=statistics.fmean(r.latency_ms for r in results),
            socket_errors={
                k: sum(r.socket_errors.get(k, 0) for r in results) for k in results[0].socket_errors
            },
            non_2xx_3xx=sum(r.non_2xx_3xx for r in results),
        )

    @property
    def errors(self):
        return self.non_2xx_3xx + sum(self.socket_errors.values())

    def error_text(self):
        parts = [f"{kind} {count}" for kind, count in self.socket_errors.items() if count]
        if self.non_2xx_3xx:
            parts.insert(0, f"non-2xx/3xx {self.non_2xx_3xx}")
        return ", ".join(parts) or "0"


LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output):
    """Read requests, requests/s, average latency and errors from wrk's report."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    requests = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    if not (rps and requests):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    latency = re.search(r"^\s*Latency\s+([\d.]+)(us|ms|s)\b", output, re.MULTILINE)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    kinds = ["connect", "read", "write", "timeout"]
    counts = map(int, socket_errors.groups()) if socket_errors else [0] * len(kinds)
    return WrkResult(
        requests=int(requests[1]),
        rps=float(rps[1]),
        latency_ms=float(latency[1]) * LATENCY_UNITS[latency[2]] if latency else float("nan"),
        socket_errors=dict(zip(kinds, counts, strict=True)),
        non_2xx_3xx=int(non_2xx[1]) if non_2xx else 0,
    )


def start_wrk(url, seconds, connections, threads):
    command = [tool("wrk"), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={WRK_TIMEOUT}",
               "-H", WRK_HEADER, url]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish_wrk(process):
    output, _ = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")
    return parse_wrk(output)


def wrk(url, seconds, settings):
    """Measure one URL with the wrk settings every throughput row shares."""
    return finish_wrk(start_wrk(url, seconds, settings.connections, settings.wrk_threads))


def wrk_version():
    output = subprocess.run([tool("wrk"), "-v"], capture_output=True, text=True).stdout
    return output.split(" [")[0].split(" Copyright")[0].strip() or "?"


# nginx -------------------------------------------------------------------------------------------

NGINX_MAIN = """\
daemon off;
master_process on;
worker_processes {workers};
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {directory}/temp/body;
    proxy_temp_path {directory}/temp/proxy;
    fastcgi_temp_path {directory}/temp/fastcgi;
    uwsgi_temp_path {directory}/temp/uwsgi;
    scgi_temp_path {directory}/temp/scgi;
    sendfile on;
    keepalive_timeout 65;
    # wrk keeps its connections open for the whole run, as gunicorn lets it.
    keepalive_requests 1000000;
{server}
}}
"""

STATIC_SERVER = """\
    server {{
        listen 127.0.0.1:{port};
        root {root};
{locations}
    }}"""

STATIC_LOCATION = """\
        location = /{name} {{ types {{ }} default_type "{content_type}"; }}"""

# Standing in for the CDN (docs/deploy.md, "CDN rules"): no proxy_cache_valid or
# proxy_ignore_headers, so the origin's Cache-Control (max-age, stale-if-error)
# decides; the default key, $scheme$proxy_host$request_uri, keeps the query string.
CDN_SERVER = """\
    proxy_cache_path {directory}/cache levels=1:2 keys_zone=cdn:10m max_size=256m inactive=10m
                     use_temp_path=off;
    log_format cdn '$upstream_cache_status "$request_uri" $status';
    upstream origin {{
        server 127.0.0.1:{origin_port};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        access_log {directory}/cdn.log cdn buffer=256k flush=1s;
        location / {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            # The CDN terminates TLS: it sets the header, never passes a reader's through.
            proxy_set_header X-Forwarded-Proto https;
            proxy_cache cdn;
            # Request collapsing: one request fills a missing copy while the others wait for it.
            proxy_cache_lock on;
            proxy_cache_revalidate on;
            # As CDNs do by default: readers get the expiring copy while one request refreshes it.
            proxy_cache_use_stale updating error timeout http_500 http_502 http_503 http_504;
        }}
    }}"""


class Nginx:
    """nginx as a child process with its own config, pid, temp and log files in ``directory``."""

    def __init__(self, directory, server, port):
        self.directory = directory
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        (directory / "temp").mkdir(parents=True, exist_ok=True)
        config = directory / "nginx.conf"
        config.write_text(
            NGINX_MAIN.format(
                workers=len(os.sched_getaffinity(0)), directory=directory, user=self.user(), server=server
            )
        )
        self.log = open(directory / "stderr.log", "w")  # noqa: SIM115
        command = [tool("nginx"), "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_until_listening()

    @staticmethod
    def user():
        """As root, nginx's workers would run as nobody:nobody; Debian's group is nogroup."""
        if os.geteuid() != 0:
            return ""
        nobody = pwd.getpwnam("nobody")
        return f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"

    def wait_until_listening(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited; see {self.directory / 'error.log'}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start; see {self.directory / 'error.log'}")

    def stop(self):
        # SIGQUIT: a graceful stop, which flushes the buffered access log.
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def nginx_version():
    output = subprocess.run([tool("nginx"), "-v"], capture_output=True, text=True).stderr
    return output.strip().removeprefix("nginx version: ") or "nginx ?"


def open_to_nginx_workers(path, workdir):
    """Let nginx's workers (nobody, when the bench runs as root) reach ``path`` inside ``workdir``."""
    if os.geteuid() != 0:
        return
    if workdir not in path.parents:
        raise ValueError(f"{path} is outside {workdir}")
    path.chmod(0o755)
    for directory in path.parents:
        directory.chmod(directory.stat().st_mode | 0o111)  # traverse, not list
        if directory == workdir:
            break


# The benchmark -----------------------------------------------------------------------------------


@dataclass
class Target:
    """One benchmarked response: its URL on the app and its name as a file for the baseline."""

    kind: str
    path: str
    name: str
    body: bytes = b""
    headers: list = field(default_factory=list)


def fetch(client, path):
    status, headers, body = client.request(path)
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
    ]
    directory.mkdir(parents=True)
    manifest = {}
    for target in targets:
        headers, target.body = fetch(client, target.path)
        target.headers = [(k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP]
        (directory / target.name).write_bytes(target.body)
        manifest[target.name] = target.headers
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1))
    for path in directory.iterdir():
        path.chmod(0o644)
    return targets


def content_type(target):
    return next(v for k, v in target.headers if k.lower() == "content-type")


def measure_throughput(settings, targets, urls):
    """One row per target and variant.

    The variants of a target are measured back to back, in rounds whose order
    alternates (A B C D, D C B A, ...): a machine that slows down or speeds up
    during the run then weighs on a row and its baseline alike. Each round opens
    new connections, and how gunicorn's workers happen to share them out (all
    on one worker, or half each) moves a short run by tens of percent: several
    rounds average that out, and the range shows what is left.
    """
    rows = []
    for target in targets:
        runs = {variant: [] for variant, _ in VARIANTS}
        for round_number in range(settings.rounds):
            for variant, label in VARIANTS if round_number % 2 == 0 else VARIANTS[::-1]:
                url = urls[variant] + (
                    f"/{target.name}" if variant in ("baseline", "ceiling") else target.path
                )
                if round_number == 0:
                    log(f"{target.kind}: {label} ({url})")
                    if settings.warmup:
                        wrk(url, settings.warmup, settings)
                runs[variant].append(wrk(url, settings.round_seconds, settings))
        results = {variant: WrkResult.combine(runs[variant]) for variant in runs}
        baseline = results["baseline"].rps
        for variant, label in VARIANTS:
            result, rates = results[variant], [run.rps for run in runs[variant]]
            target_ratio = TARGETS[target.kind] if variant == "app" else None
            ratio = result.rps / baseline if baseline else 0.0
            met = ""
            if target_ratio is not None:
                met = "yes" if ratio >= target_ratio and result.errors == 0 else "no"
            rows.append(
                {
                    "row": f"{target.kind}: {label}",
                    "rps": result.rps,
                    "ratio": ratio,
                    "target": f">= {target_ratio}" if target_ratio is not None else "",
                    "met": met,
                    "errors": result.error_text(),
                    "latency": f"{result.latency_ms:.2f} ms",
                    "range": f"{min(rates):.0f}-{max(rates):.0f}",
                }
            )
    return rows


ACCESS_LINE = re.compile(r'"GET (\S+) HTTP/1\.[01]" (\d{3}) ')


def count_requests(log_path, paths):
    counts = dict.fromkeys(paths, 0)
    for line in Path(log_path).read_text(errors="replace").splitlines():
        match = ACCESS_LINE.search(line)
        if match and match[1] in counts:
            counts[match[1]] += 1
    return counts


def cache_statuses(log_path, paths):
    statuses = {path: {} for path in paths}
    for line in Path(log_path).read_text().splitlines():
        status, _, rest = line.partition(" ")
        path = rest.split('"')[1] if '"' in rest else ""
        if path in statuses:
            statuses[path][status] = statuses[path].get(status, 0) + 1
    return statuses


def measure_cdn(settings, origin, targets, directory):
    """Many readers behind nginx's cache: what they are served against what reaches the app."""
    nginx_dir = directory / "nginx-cdn"
    nginx_dir.mkdir()
    open_to_nginx_workers(nginx_dir, directory)
    port = free_port()
    cdn = Nginx(nginx_dir, CDN_SERVER.format(directory=nginx_dir, origin_port=origin.port, port=port), port)
    chosen = [t for t in targets if t.kind in ("empty poll", "page")]
    per_url = max(settings.cdn_connections // len(chosen), 1)
    log(f"CDN: {settings.cdn_connections} connections for {settings.cdn_seconds}s via {cdn.url}")
    try:
        processes = [start_wrk(cdn.url + t.path, settings.cdn_seconds, per_url, 1) for t in chosen]
        results = [finish_wrk(process) for process in processes]
    finally:
        cdn.stop()  # flushes nginx's access log
        origin.stop()
    origin_counts = count_requests(origin.log.name, [t.path for t in chosen])
    statuses = cache_statuses(nginx_dir / "cdn.log", [t.path for t in chosen])
    allowed = settings.cdn_seconds // POLL_INTERVAL + 1  # one per interval, plus the first fill
    rows = []
    for target, result in zip(chosen, results, strict=True):
        reached = origin_counts[target.path]
        rows.append(
            {
                "url": target.path,
                "served": result.requests,
                "rps": result.rps,
                "reached": reached,
                "per_interval": reached * POLL_INTERVAL / settings.cdn_seconds,
                "errors": result.error_text(),
                "target": f"<= {allowed} (1 per {POLL_INTERVAL} s + first fill), no errors",
                "met": "yes" if reached <= allowed and result.errors == 0 else "no",
                "statuses": ", ".join(f"{k} {v}" for k, v in sorted(statuses[target.path].items())),
            }
        )
    return rows, per_url


def median_ms(client, path, samples, tag):
    """Median milliseconds of ``samples`` sequential GETs, each with a query string no cache has seen."""
    separator = "&" if "?" in path else "?"
    fetch(client, f"{path}{separator}_={tag}-warm")
    times, size = [], 0
    for number in range(samples):
        started = time.perf_counter()
        _, body = fetch(client, f"{path}{separator}_={tag}-{number}")
        times.append((time.perf_counter() - started) * 1000)
        size = len(body)
    return statistics.median(times), size


def measure_growth(settings, app, slugs):
    client = Client(app)
    rows = []
    for kind, path_of in [("page", "/entries/{}/"), ("full list", "/entries/{}/updates.json")]:
        cells = [median_ms(client, path_of.format(slug), settings.samples, f"{kind[0]}{i}") for i, slug in
                 enumerate(slugs)]  # fmt: skip
        rows.append({"kind": kind, "cells": cells})
        log(f"growth: {kind}: " + ", ".join(f"{ms:.1f} ms" for ms, _ in cells))
    return rows


# The report --------------------------------------------------------------------------------------


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_info(settings, database_url):
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.machine(),
    )  # fmt: skip
    return [
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
        + (" (BENCH_QUICK=1: a smoke run, not a measurement)" if settings.quick else ""),
        f"- Machine: {len(os.sched_getaffinity(0))} cores (nproc), {cpu}, {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()}, Django {metadata.version('django')}, "
        f"gunicorn {metadata.version('gunicorn')}, {wrk_version()}, {nginx_version()}",
        f"- Database: {'PostgreSQL' if database_url.startswith('postgres') else 'SQLite'} "
        "(a fresh migrated database)",
        f"- gunicorn: gunicorn.conf.py (gthread, access log to a file), {settings.workers} workers x "
        f"{settings.threads} threads, for the app and the baseline alike; production settings "
        "(DEBUG off, SECURE_SSL_REDIRECT on, LIVE_MICROCACHE_SECONDS=1 unless said)",
        f"- wrk: -t{settings.wrk_threads} -c{settings.connections} -d{settings.round_seconds}s "
        f"--timeout={WRK_TIMEOUT} `-H '{WRK_HEADER}'` for every throughput row, {settings.rounds} "
        f"round(s) per row in alternating order after a {settings.warmup} s warm-up; wrk shares the "
        "machine's cores with the server",
    ]


THROUGHPUT_HEADER = ["row", "req/s", "ratio to baseline", "target", "met?", "errors", "avg latency",
                     "req/s per round, min-max"]  # fmt: skip
CDN_HEADER = ["URL", "served", "req/s", "reached the app", "app requests per URL per 10 s", "errors",
              "target", "met?", "cache statuses"]  # fmt: skip


def report(settings, info, targets, throughput, cdn_rows, cdn_per_url, growth):
    sizes = ", ".join(f"{t.kind} {len(t.body):,} bytes" for t in targets)
    throughput_rows = [
        [
            r["row"],
            f"{r['rps']:.0f}",
            f"{r['ratio']:.2f}",
            r["target"],
            r["met"],
            r["errors"],
            r["latency"],
            r["range"],
        ]
        for r in throughput
    ]
    cdn_table = [
        [r["url"], f"{r['served']:,}", f"{r['rps']:.0f}", r["reached"], f"{r['per_interval']:.2f}",
         r["errors"], r["target"], r["met"], r["statuses"]]
        for r in cdn_rows
    ]  # fmt: skip
    sizes_by_entry = [settings.updates, settings.big_updates]
    growth_header = ["measurement", *(f"{n:,} updates" for n in sizes_by_entry), "growth"]
    growth_rows, too_big = [], []
    for row in growth:
        (small_ms, small_size), (big_ms, big_size) = row["cells"]
        growth_rows.append([f"{row['kind']}, median ms", f"{small_ms:.1f}", f"{big_ms:.1f}",
                            f"{big_ms / small_ms:.1f}x"])  # fmt: skip
        growth_rows.append([f"{row['kind']}, bytes", f"{small_size:,}", f"{big_size:,}",
                            f"{big_size / small_size:.1f}x"])  # fmt: skip
        for updates, (_, size) in zip(sizes_by_entry, row["cells"], strict=True):
            if size > MAX_BODY_BYTES:
                too_big.append(f"the {row['kind']} of {updates:,} updates")
    lines = [
        "# `make bench` results",
        "",
        *info,
        "",
        f"## Throughput: an entry of {settings.updates} updates",
        "",
        f"Responses: {sizes}. Each row is wrk's requests per second; the ratio divides it by the "
        "baseline's for the same response. Targets apply to the production configuration.",
        "",
        table(THROUGHPUT_HEADER, throughput_rows),
        "",
        "## Behind a CDN: nginx proxy_cache with proxy_cache_lock",
        "",
        f"{len(cdn_rows) * cdn_per_url} connections ({cdn_per_url} per URL, one wrk each) for "
        f"{settings.cdn_seconds} s; requests that reached the app are counted in gunicorn's access "
        "log; cache statuses are nginx's $upstream_cache_status.",
        "",
        table(CDN_HEADER, cdn_table),
        "",
        "## Growth: the cost of one uncached request",
        "",
        f"Median of {settings.samples} sequential requests, each with a fresh `?_=` (ignored by the "
        "views) so neither micro-cache nor CDN answers; production configuration.",
        "",
        table(growth_header, growth_rows),
        "",
        f"The micro-cache keeps bodies up to {MAX_BODY_BYTES:,} bytes (liveblog/microcache.py); "
        + (f"too big for it here: {', '.join(too_big)}." if too_big else "all of these fit."),
        "",
    ]
    return "\n".join(lines)


def main():
    settings = Settings.from_environment()
    for name in TOOLS:
        tool(name)  # fail before the slow setup
    started = time.monotonic()
    directory = Path(tempfile.mkdtemp(prefix="liveblog-bench-"))
    postgres = os.environ.get("DATABASE_URL", "")
    with ExitStack() as stack:
        url = stack.enter_context(database(directory, postgres if postgres.startswith("postgres") else None))
        env = base_env(url, directory / "static")

        def serve(app="liveblog.wsgi", **extra):
            server = Server({**env, **extra}, settings.workers, settings.threads, app=app)
            stack.callback(server.stop)
            return server

        log(f"preparing a database, static files and entries in {directory}")
        prepare(env)
        slugs = ["bench-small", "bench-big"]
        for slug, updates in zip(slugs, [settings.updates, settings.big_updates], strict=True):
            manage(env, "bench_data", slug, "--updates", str(updates))
        log(f"starting gunicorn ({settings.workers} workers x {settings.threads} threads) x 3 and nginx")
        app = serve()
        app_off = serve(LIVE_MICROCACHE_SECONDS="0")
        files = directory / "nginx-static" / "www"
        targets = capture_targets(app, slugs[0], files)
        open_to_nginx_workers(files, directory)
        baseline = serve("bench.baseline", BENCH_BASELINE_DIR=str(files))
        port = free_port()
        locations = "\n".join(
            STATIC_LOCATION.format(name=t.name, content_type=content_type(t)) for t in targets
        )
        static = Nginx(files.parent, STATIC_SERVER.format(port=port, root=files, locations=locations), port)
        stack.callback(static.stop)
        urls = {"baseline": baseline.url, "app": app.url, "app-off": app_off.url, "ceiling": static.url}
        throughput = measure_throughput(settings, targets, urls)
        growth = measure_growth(settings, app, slugs)
        for server in (static, baseline, app_off, app):  # a quiet machine for the CDN phase
            server.stop()
        cdn_rows, cdn_per_url = measure_cdn(settings, serve(), targets, directory)
        info = machine_info(settings, url)
    text = report(settings, info, targets, throughput, cdn_rows, cdn_per_url, growth)
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    settings.output.write_text(text)
    print(text)
    log(f"wrote {settings.output} in {time.monotonic() - started:.0f} s")
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
