"""The Markdown report of `make bench` (bench/results.md), built from its measurements."""

import datetime
import os
import platform
from importlib import metadata
from pathlib import Path

from bench import nginx, wrk
from bench.config import ACCEPT_COMPRESSED, COMPRESSED_TARGETS, TARGETS, VARIANTS
from bench.wrk import WrkResult
from liveblog import compression
from liveblog.microcache import MAX_BODY_BYTES

# Issue 11: a bigger entry costs at most this much more than the 200-update one.
GROWTH_GOALS = {"median ms": 1.5, "bytes": 1.2}
THROUGHPUT_HEADER = ["row", "req/s", "ratio to baseline", "target", "met?", "errors", "avg latency",
                     "req/s per round, min-max"]  # fmt: skip


DESK_HEADER = ["post", "median ms", "min-max ms", "target", "met?"]
PHOTO_HEADER = ["source", "pixels", "file size", "median ms", "min-max ms", "variants, bytes", "target",
                "met?"]  # fmt: skip


def cdn_header(poll_interval):
    return ["URL", "served", "req/s", "reached the app", f"app requests per URL per {poll_interval} s",
            "errors", "target", "met?", "cache statuses"]  # fmt: skip


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def throughput_rows(throughput):
    """One row per target kind and variant, each variant's mean rate divided by the baseline's."""
    rows = []
    for kind, runs in throughput.items():
        results = {variant: WrkResult.combine(runs[variant]) for variant in runs}
        baseline = results["baseline"].rps
        for variant, label in VARIANTS:
            result, rates = results[variant], [run.rps for run in runs[variant]]
            target_ratio = TARGETS[kind] if variant == "app" else None
            ratio = result.rps / baseline if baseline else 0.0
            met = ""
            if target_ratio is not None:
                met = "yes" if ratio >= target_ratio and result.errors == 0 else "no"
            rows.append(
                [
                    f"{kind}: {label}",
                    f"{result.rps:.0f}",
                    # Two significant digits below 0.1: an uncached page at 0.003 of the baseline is not 0.00.
                    f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.2g}",
                    f">= {target_ratio}" if target_ratio is not None else "",
                    met,
                    result.error_text(),
                    f"{result.latency_ms:.2f} ms",
                    f"{min(rates):.0f}-{max(rates):.0f}",
                ]
            )
    return rows


def cdn_rows(results, seconds, poll_interval):
    """One row per URL: the app may be reached once per poll interval, plus the first fill."""
    allowed = seconds // poll_interval + 1
    rows = []
    for result in results:
        met = result.reached <= allowed and result.served.errors == 0
        rows.append(
            [
                result.path,
                f"{result.served.requests:,}",
                f"{result.served.rps:.0f}",
                result.reached,
                f"{result.reached * poll_interval / seconds:.2f}",
                result.served.error_text(),
                f"<= {allowed} (1 per {poll_interval} s + first fill), no errors",
                "yes" if met else "no",
                ", ".join(f"{k} {v}" for k, v in sorted(result.statuses.items())),
            ]
        )
    return rows


def growth_rows(growth, sizes_by_entry):
    """Rows of median times and sizes per entry size, and the entries too big for the micro-cache.

    Growth is the largest ratio of a bigger entry's figure to the first (smallest) entry's.
    """
    rows, too_big = [], []
    for row in growth:
        kind = row["kind"]
        for measure, index, spell in [("median ms", 0, "{:.1f}"), ("bytes", 1, "{:,}")]:
            values = [cell[index] for cell in row["cells"]]
            worst = max(values[1:]) / values[0]
            goal = GROWTH_GOALS[measure]
            met = "yes" if worst <= goal else "no"
            rows.append(
                [
                    f"{kind}, {measure}",
                    *(spell.format(v) for v in values),
                    f"{worst:.2f}x",
                    f"<= {goal}x",
                    met,
                ]
            )
        for updates, (_, size) in zip(sizes_by_entry, row["cells"], strict=True):
            if size > MAX_BODY_BYTES:
                too_big.append(f"the {kind} of {updates:,} updates")
    return rows, too_big


def judged(median_ms, target_ms):
    """The target and met? cells of a timed row: blank where it has no goal."""
    if target_ms is None:
        return ["", ""]
    return [f"<= {target_ms:.0f}", "yes" if median_ms <= target_ms else "no"]


def photo_rows(results):
    """One row per source photo; the 12-megapixel JPEG is judged against the issue's goal."""
    rows = []
    for result in results:
        rows.append(
            [
                f"{result.format} {result.megapixels} MP",
                f"{result.width:,} x {result.height:,}",
                f"{result.bytes / 1_000_000:.1f} MB",
                f"{result.median_ms:.0f}",
                f"{min(result.times_ms):.0f}-{max(result.times_ms):.0f}",
                " + ".join(f"{size:,}" for size in result.variants),
                *judged(result.median_ms, result.target_ms),
            ]
        )
    return rows


def photo_section(settings, results):
    return [
        "## Photos: processing time per photo, by source size",
        "",
        "blog/photos.process() on photo-like pictures drawn at run time (JPEG at quality 90; HEIC in "
        "512-pixel tiles, as iPhones write it), each processed "
        f"{settings.photo_runs} time(s) in one process with production settings: reading, the limits, "
        "decoding, orientation, colours, and encoding the WebP variants (storing them is not included). "
        "A JPEG at least twice as wide as the largest variant is decoded straight at a half, a quarter or "
        "an eighth of its size, so its time grows little with its megapixels. "
        "The goal (issue 9): a 12-megapixel phone JPEG in under about 2 s.",
        "",
        table(PHOTO_HEADER, photo_rows(results)),
        "",
    ]


def desk_rows(results):
    """One row per kind of post; the post without a photo is judged against the issue's goal."""
    rows = []
    for result in results:
        rows.append(
            [
                result.kind,
                f"{result.median_ms:.0f}",
                f"{min(result.times_ms):.0f}-{max(result.times_ms):.0f}",
                *judged(result.median_ms, result.target_ms),
            ]
        )
    return rows


def desk_section(settings, results):
    return [
        "## The desk: from an author's post to the public feed",
        "",
        f"Median of {settings.samples} posts of each kind through the desk's endpoint (bench/desk.py), "
        "logged in as an author, to the app in production configuration (micro-cache on): the time "
        "from sending the post to the public feed's answer that holds the update (a reader's poll "
        "for what changed since its cursor). With a photo, the sample starts with the upload of a "
        f"{'small' if settings.quick else '12-megapixel'} JPEG, processed by the server, before the "
        "post that attaches it. The goal (issue 12): under 100 ms without a photo.",
        "",
        table(DESK_HEADER, desk_rows(results)),
        "",
    ]


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
        f"gunicorn {metadata.version('gunicorn')}, {wrk.version()}, {nginx.version()}",
        f"- Database: {'PostgreSQL' if database_url.startswith('postgres') else 'SQLite'} "
        "(a fresh migrated database)",
        f"- gunicorn: gunicorn.conf.py (gthread, access log to a file), {settings.workers} workers x "
        f"{settings.threads} threads, for the app and the baseline alike; production settings "
        "(DEBUG off, SECURE_SSL_REDIRECT on, LIVE_MICROCACHE_SECONDS=1 unless said)",
        f"- wrk: -t{settings.wrk_threads} -c{settings.connections} -d{settings.round_seconds}s "
        f"--timeout={wrk.TIMEOUT} `-H '{wrk.HEADER}'` for every throughput row, {settings.rounds} "
        f"round(s) per row in alternating order after a {settings.warmup} s warm-up; wrk shares the "
        "machine's cores with the server",
    ]


def report(settings, info, measurements, photos, desk):
    """Return the Markdown report: ``info`` lines (machine_info()), then a section per measurement.

    ``photos``: the PhotoResults of bench/photos.py; ``desk``: the DeskResults of bench/desk.py.
    """
    sizes = ", ".join(f"{t.kind} {len(t.body):,} bytes" for t in measurements.targets)
    sizes_by_entry = [settings.updates, settings.big_updates, settings.huge_updates]
    growth_header = ["measurement", *(f"{n:,} updates" for n in sizes_by_entry), "growth", "goal", "met?"]
    growth, too_big = growth_rows(measurements.growth, sizes_by_entry)
    per_url = measurements.cdn_per_url
    lines = [
        "# `make bench` results",
        "",
        *info,
        "",
        f"## Throughput: an entry of {settings.updates} updates",
        "",
        f"Responses: {sizes}. Each row is wrk's requests per second; the ratio divides it by the "
        "baseline's for the same response. Targets apply to the production configuration. "
        f"The rows {' and '.join(repr(kind) for kind in COMPRESSED_TARGETS)} send "
        f"`Accept-Encoding: {ACCEPT_COMPRESSED['Accept-Encoding']}` to every server; the app answers what "
        "its micro-cache compressed once per copy (brotli here; a body under "
        f"{compression.MIN_BYTES} bytes, such as the empty poll, stays as it is); the baseline, the same.",
        "",
        table(THROUGHPUT_HEADER, throughput_rows(measurements.throughput)),
        "",
        "## Behind a CDN: nginx proxy_cache with proxy_cache_lock",
        "",
        f"{len(measurements.cdn) * per_url} connections ({per_url} per URL, one wrk each) for "
        f"{settings.cdn_seconds} s; requests that reached the app are counted in "
        "gunicorn's access log; cache statuses are nginx's $upstream_cache_status.",
        "",
        table(
            cdn_header(measurements.poll_interval),
            cdn_rows(measurements.cdn, settings.cdn_seconds, measurements.poll_interval),
        ),
        "",
        "## Growth: the cost of one uncached request",
        "",
        f"Median of {settings.samples} sequential requests to the app with its micro-cache off "
        "(LIVE_MICROCACHE_SECONDS=0) and no CDN in front, so no cache answers; production "
        "configuration otherwise. The poll is the up-to-date one (nothing new). Growth is the largest "
        "ratio of a bigger entry's figure to the smallest's; the goal: time within 1.5x, bytes within 1.2x.",
        "",
        table(growth_header, growth),
        "",
        f"The micro-cache keeps bodies up to {MAX_BODY_BYTES:,} bytes (liveblog/microcache.py); "
        + (f"too big for it here: {', '.join(too_big)}." if too_big else "all of these fit."),
        "",
    ]
    return "\n".join(lines + photo_section(settings, photos) + desk_section(settings, desk))
