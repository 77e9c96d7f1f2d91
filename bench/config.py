"""What `make bench` measures, its knobs from the environment, and the tools it needs."""

import functools
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import nginx
from bench.servers import PROJECT_ROOT

# The production configuration's goals: the app's requests per second over the baseline's.
TARGETS = {"empty poll": 0.6, "full list": 0.4, "page": 0.3}
# The same URLs for a reader whose browser accepts compression (issue 11): the
# micro-cache compresses each copy once, so they should stay near the baseline
# returning the same compressed bytes.
ACCEPT_COMPRESSED = {"Accept-Encoding": "gzip, br"}
COMPRESSED_TARGETS = {"compressed empty poll": 0.8, "compressed page": 0.6}
TARGETS.update(COMPRESSED_TARGETS)
VARIANTS = [
    ("baseline", "baseline (WSGI app, no framework)"),
    ("app", "app (production: micro-cache on)"),
    ("app-off", "app, micro-cache off"),
    ("ceiling", "nginx static file (ceiling)"),
]
WRK = "/usr/bin/wrk"


@dataclass(frozen=True)
class Settings:
    quick: bool
    seconds: int
    rounds: int
    warmup: int
    cdn_seconds: int
    updates: int
    big_updates: int
    huge_updates: int
    samples: int
    photo_runs: int
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
            huge_updates=number("BENCH_HUGE_UPDATES", 50000, 800),
            samples=number("BENCH_SAMPLES", 20, 3),
            photo_runs=number("BENCH_PHOTO_RUNS", 5, 1),
            workers=number("BENCH_WORKERS", 1),
            threads=number("BENCH_THREADS", 4),
            wrk_threads=1,
            connections=number("BENCH_CONNECTIONS", 32),
            cdn_connections=number("BENCH_CDN_CONNECTIONS", 400, 100),
            output=Path(environ.get("BENCH_OUTPUT", PROJECT_ROOT / "bench" / "results.md")),
        )


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


@functools.cache
def wrk_executable():
    found = shutil.which("wrk") or (WRK if os.access(WRK, os.X_OK) else None)
    if found is None:
        sys.exit("bench: wrk is missing; `make bench` installs it (apt-get install wrk).")
    return found


def require_tools():
    """Fail before the slow set-up when wrk or nginx is missing."""
    wrk_executable()
    try:
        nginx.executable()
    except RuntimeError as error:
        sys.exit(f"bench: {error}")
