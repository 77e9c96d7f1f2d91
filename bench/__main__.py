"""`make bench`: what serving the live feed and page costs, what a CDN saves, what a photo costs.

Run from the project's root with its venv: `.venv/bin/python -m bench` (`make bench`).
It prints a Markdown report and writes it to bench/results.md. Four parts:

1. Throughput. gunicorn with gunicorn.conf.py and production settings, on an
   entry of 200 updates, measured with wrk for the poll that returns nothing
   new, the full list and the entry page, with the micro-cache on (production)
   and off. Under the same gunicorn settings, bench/baseline.py (no framework)
   returns the same bytes: that is the baseline every row is divided by; nginx
   serving the same bytes as static files is the ceiling.
2. CDN. nginx with proxy_cache and proxy_cache_lock in front of the app, many
   readers polling the up-to-date feed URL and loading the page: requests
   served against requests that reached the app.
3. Growth. Median time of one page, one feed without `since` and one poll,
   sequentially, on entries of 200, 5,000 and 50,000 updates, from the app with
   its micro-cache off, so that no cache can answer.
4. Photos. Processing time per photo (blog/photos.py), by source size: JPEGs of
   3 to 48 megapixels and a 12-megapixel HEIC, drawn at run time, first, while
   the machine is quiet.
5. The desk. From an author's post on the desk to the update in the public
   feed, without and with a 12-megapixel photo (bench/desk.py).

The parts: config.py (these knobs, the tools), wrk.py (driving wrk, reading
its output), servers.py (gunicorn), cdn.py (nginx in front of it, started by
nginx.py), measure.py (the first three measurements), photos.py (the
fourth), desk.py (the fifth), report.py (the Markdown); this file runs them in order.

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
- BENCH_BIG_UPDATES=5000, BENCH_HUGE_UPDATES=50000 and BENCH_SAMPLES=20 for the growth
  part, and as many posts of each kind for the desk
- BENCH_PHOTO_RUNS=5 per source photo (the median is reported)
- BENCH_OUTPUT=bench/results.md
- DATABASE_URL=postgres://...: run on a throwaway database on that server
"""

import os
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench import cdn, nginx
from bench.config import Settings, log, require_tools
from bench.desk import SLUG as DESK_SLUG
from bench.desk import measure_desk
from bench.measure import Measurements, capture_targets, measure_cdn, measure_growth, measure_throughput
from bench.photos import measure_photos
from bench.report import machine_info, report
from bench.servers import Client, Server, base_env, database, manage, prepare


def main():
    settings = Settings.from_environment()
    require_tools()
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
        log(f"timing photo processing, {settings.photo_runs} run(s) per source")
        photos = measure_photos(settings, env)
        slugs = ["bench-small", "bench-big", "bench-huge"]
        sizes = [settings.updates, settings.big_updates, settings.huge_updates]
        for slug, updates in zip(slugs, sizes, strict=True):
            manage(env, "bench_data", slug, "--updates", str(updates))
        manage(env, "bench_data", DESK_SLUG, "--updates", "0")
        log(f"starting gunicorn ({settings.workers} workers x {settings.threads} threads) x 3 and nginx")
        app = serve()
        app_off = serve(LIVE_MICROCACHE_SECONDS="0")
        files = directory / "nginx-static" / "www"
        targets = capture_targets(app, slugs[0], files)
        # The feed's max-age is the poll interval the servers run with (LIVE_POLL_INTERVAL).
        poll_interval = next(t for t in targets if t.kind == "empty poll").max_age
        nginx.open_to_workers(files, directory)
        baseline = serve("bench.baseline", BENCH_BASELINE_DIR=str(files))
        static = cdn.start_static(files.parent, files, {t.name: t.header("Content-Type") for t in targets})
        stack.callback(static.stop)
        urls = {"baseline": baseline.url, "app": app.url, "app-off": app_off.url, "ceiling": static.url}
        throughput = measure_throughput(settings, targets, urls)
        growth = measure_growth(settings, app_off, slugs)
        entry_id = Client(app).get_json(f"/entries/{DESK_SLUG}/updates.json")["cursor"].split("-")[0]
        desk = measure_desk(settings, app, entry_id)
        for server in (static, baseline, app_off, app):  # a quiet machine for the CDN phase
            server.stop()
        cdn_results, cdn_per_url = measure_cdn(settings, serve(), targets, directory)
        info = machine_info(settings, url)
    measurements = Measurements(targets, throughput, growth, cdn_results, cdn_per_url, poll_interval)
    text = report(settings, info, measurements, photos, desk)
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    settings.output.write_text(text)
    print(text)
    log(f"wrote {settings.output} in {time.monotonic() - started:.0f} s")
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
