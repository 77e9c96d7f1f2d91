"""`make bench` (`python -m bench`): its parsing and report, and a short run that must complete.

Timings on a shared machine prove nothing in a test, so no test here asserts a
speed: the unit tests read canned wrk output and logs, and the smoke run checks
the report's shape and the counts a CDN guarantees (requests reaching the app),
which do not depend on how fast the machine is.
"""

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from bench import wrk
from bench.cdn import cache_statuses
from bench.config import TARGETS, VARIANTS, Settings
from bench.desk import DeskResult
from bench.measure import CdnResult, Measurements, Target, count_requests
from bench.photos import PhotoResult, encode
from bench.report import DESK_HEADER, PHOTO_HEADER, cdn_rows, growth_rows, photo_rows, report, throughput_rows
from bench.wrk import WrkResult
from blog.models import Entry
from blog.tests.conftest import skip_or_fail
from liveblog.microcache import MAX_BODY_BYTES

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KINDS = list(TARGETS)
LABELS = [label for _, label in VARIANTS]
GROWTH_ROWS = [
    f"{kind}, {measure}"
    for kind in ("page", "feed without since", "poll")
    for measure in ("median ms", "bytes")
]

# wrk 4.1.0's own reports, recorded on this machine.
WRK_CLEAN = """\
Running 1s test @ http://127.0.0.1:18763/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.12ms    5.98ms  34.96ms   72.23%
    Req/Sec   521.70    337.51     1.28k    80.00%
  521 requests in 1.01s, 95.14KB read
Requests/sec:    514.95
Transfer/sec:     94.04KB
"""
WRK_NON_2XX = """\
Running 1s test @ http://127.0.0.1:18763/missing
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.95ms    3.64ms  30.20ms   86.44%
    Req/Sec   701.50    376.58     1.38k    70.00%
  703 requests in 1.01s, 356.99KB read
  Non-2xx or 3xx responses: 703
Requests/sec:    698.32
Transfer/sec:    354.62KB
"""
WRK_SOCKET_ERRORS = """\
Running 1s test @ http://127.0.0.1:18764/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    79.53us   57.55us   1.45ms   89.95%
    Req/Sec     7.19k   263.47     7.61k    54.55%
  7863 requests in 1.10s, 307.15KB read
  Socket errors: connect 0, read 23590, write 0, timeout 0
Requests/sec:   7151.71
Transfer/sec:    279.36KB
"""


def markdown_tables(text):
    """Return each Markdown table in ``text`` as a list of rows, a row being a list of cells."""
    tables, rows = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            if not line.startswith("| ---"):
                rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            tables.append(rows)
            rows = []
    return tables


def number(cell):
    return float(cell.replace(",", "").removesuffix("x"))


def result(rps, requests=1000, latency_ms=10.0, non_2xx_3xx=0, **socket_errors):
    errors = {kind: socket_errors.get(kind, 0) for kind in wrk.SOCKET_ERROR_KINDS}
    return WrkResult(requests, rps, latency_ms, errors, non_2xx_3xx)


def throughput_of(rates, **app_errors):
    """Canned throughput runs: ``rates`` maps a variant to its per-round req/s, the same for each kind."""
    return {
        kind: {
            variant: [result(rps, **(app_errors if variant == "app" else {})) for rps in rates[variant]]
            for variant, _ in VARIANTS
        }
        for kind in KINDS
    }


RATES = {"baseline": [2000, 2400], "app": [1100, 1300], "app-off": [100, 140], "ceiling": [50000, 60000]}
PHOTOS = [
    PhotoResult("JPEG", 2016, 1512, 1_094_158, [510.0, 530.0, 514.0], [15_436, 65_200, 318_420]),
    PhotoResult("JPEG", 4032, 3024, 2_690_937, [640.0, 700.0, 655.0], [41_334, 102_904, 188_670]),
    PhotoResult("HEIC", 4032, 3024, 4_686_971, [1470.0], [41_328, 101_784, 187_586]),
]


# wrk's output ------------------------------------------------------------------------------------


def test_wrk_report_gives_requests_rate_and_latency_in_milliseconds():
    assert wrk.parse(WRK_CLEAN) == WrkResult(
        requests=521,
        rps=514.95,
        latency_ms=8.12,
        socket_errors={"connect": 0, "read": 0, "write": 0, "timeout": 0},
        non_2xx_3xx=0,
    )


def test_wrk_latency_in_microseconds_or_seconds_is_converted_to_milliseconds():
    assert wrk.parse(WRK_SOCKET_ERRORS).latency_ms == pytest.approx(0.07953)
    assert wrk.parse(WRK_CLEAN.replace("8.12ms", "1.25s")).latency_ms == pytest.approx(1250)


def test_wrk_non_2xx_responses_count_as_errors():
    parsed = wrk.parse(WRK_NON_2XX)
    assert parsed.errors == 703
    assert parsed.error_text() == "non-2xx/3xx 703"


def test_wrk_socket_errors_are_counted_by_kind():
    parsed = wrk.parse(WRK_SOCKET_ERRORS)
    assert parsed.socket_errors == {"connect": 0, "read": 23590, "write": 0, "timeout": 0}
    assert parsed.error_text() == "read 23590"


def test_unreadable_wrk_output_is_an_error_not_a_zero():
    with pytest.raises(RuntimeError, match="cannot read wrk's output"):
        wrk.parse("unable to connect to 127.0.0.1:18763 Connection refused")


def test_rounds_combine_into_mean_rates_and_summed_counts():
    combined = WrkResult.combine(
        [result(1000, requests=3000, read=2), result(2000, requests=6000, timeout=1)]
    )
    assert (combined.rps, combined.requests, combined.errors) == (1500, 9000, 3)
    assert combined.error_text() == "read 2, timeout 1"


# The report --------------------------------------------------------------------------------------


def test_every_row_is_divided_by_its_baseline_and_the_app_judged_against_its_target():
    rows = throughput_rows(throughput_of(RATES))
    assert [row[0] for row in rows] == [f"{kind}: {label}" for kind in KINDS for label in LABELS]
    by_row = {row[0]: row for row in rows}
    for kind, met in [("empty poll", "no"), ("full list", "yes"), ("page", "yes")]:  # a ratio of 0.55
        assert by_row[f"{kind}: {LABELS[0]}"][1:5] == ["2200", "1.00", "", ""]
        assert by_row[f"{kind}: {LABELS[1]}"][1:5] == ["1200", "0.55", f">= {TARGETS[kind]}", met]
        assert by_row[f"{kind}: {LABELS[2]}"][1:5] == ["120", "0.055", "", ""]
        assert by_row[f"{kind}: {LABELS[3]}"][1:5] == ["55000", "25.00", "", ""]
    assert by_row[f"page: {LABELS[1]}"][5:] == ["0", "10.00 ms", "1100-1300"]


def test_the_compressed_poll_and_page_are_judged_against_their_own_targets():
    rows = {row[0]: row for row in throughput_rows(throughput_of(RATES))}
    assert rows[f"compressed empty poll: {LABELS[1]}"][2:5] == ["0.55", ">= 0.8", "no"]
    assert rows[f"compressed page: {LABELS[1]}"][2:5] == ["0.55", ">= 0.6", "no"]


def test_wrk_sends_a_rows_request_headers_as_well_as_the_proxys(monkeypatch):
    commands = []
    monkeypatch.setattr(wrk.subprocess, "Popen", lambda command, **kwargs: commands.append(command))
    wrk.start("http://h/p", 1, 4, 1, {"Accept-Encoding": "gzip, br"})
    assert commands[0][-5:] == ["-H", wrk.HEADER, "-H", "Accept-Encoding: gzip, br", "http://h/p"]


def test_an_app_row_with_errors_misses_its_target_whatever_its_ratio():
    rows = throughput_rows(throughput_of(RATES, non_2xx_3xx=4))
    page = next(row for row in rows if row[0] == f"page: {LABELS[1]}")
    assert page[2:6] == ["0.55", ">= 0.3", "no", "non-2xx/3xx 8"]


def test_the_app_may_be_reached_once_per_poll_interval_behind_the_cdn():
    """The allowance comes from the interval the app was configured with, not a constant."""
    cdn = [
        CdnResult("/entries/e/updates.json?since=1-200", result(25000, requests=750_000), 7, {"HIT": 9}),
        CdnResult("/entries/e/", result(19000, requests=570_000), 8, {"HIT": 9, "MISS": 1}),
    ]
    rows = cdn_rows(cdn, seconds=30, poll_interval=5)
    assert rows[0] == ["/entries/e/updates.json?since=1-200", "750,000", "25000", 7, "1.17", "0",
                       "<= 7 (1 per 5 s + first fill), no errors", "yes", "HIT 9"]  # fmt: skip
    assert rows[1][3:] == [8, "1.33", "0", "<= 7 (1 per 5 s + first fill), no errors", "no", "HIT 9, MISS 1"]
    assert cdn_rows(cdn, seconds=30, poll_interval=10)[0][6:8] == [
        "<= 4 (1 per 10 s + first fill), no errors",
        "no",
    ]


def test_a_cdn_row_with_errors_misses_its_target():
    cdn = [CdnResult("/entries/e/", result(19000, timeout=3), 1, {})]
    row = cdn_rows(cdn, seconds=30, poll_interval=10)[0]
    assert row[5:8] == ["timeout 3", "<= 4 (1 per 10 s + first fill), no errors", "no"]


def test_growth_rows_compare_the_bigger_entries_with_the_smallest_against_the_goal():
    too_big = MAX_BODY_BYTES + 1
    growth = [
        {"kind": "page", "cells": [(15.2, 20_000), (16.0, 21_000), (272.8, too_big)]},
        {"kind": "poll", "cells": [(2.0, 145), (2.9, 145), (2.2, 146)]},
    ]
    rows, over_budget = growth_rows(growth, [200, 5000, 50000])
    assert rows == [
        ["page, median ms", "15.2", "16.0", "272.8", "17.95x", "<= 1.5x", "no"],
        ["page, bytes", "20,000", "21,000", f"{too_big:,}", f"{too_big / 20_000:.2f}x", "<= 1.2x", "no"],
        ["poll, median ms", "2.0", "2.9", "2.2", "1.45x", "<= 1.5x", "yes"],
        ["poll, bytes", "145", "145", "146", "1.01x", "<= 1.2x", "yes"],
    ]  # fmt: skip
    assert over_budget == ["the page of 50,000 updates"]


def test_the_report_has_its_five_tables_with_every_row():
    targets = [
        Target("empty poll", "/entries/e/updates.json?since=1-200", "poll.json", b"x" * 145),
        Target("full list", "/entries/e/updates.json", "list.json", b"x" * 47_526),
        Target("page", "/entries/e/", "page.html", b"x" * 66_502),
    ]
    measurements = Measurements(
        targets=targets,
        throughput=throughput_of(RATES),
        growth=[
            {"kind": "page", "cells": [(15.2, 66_502), (16.1, 66_900), (17.0, 67_100)]},
            {"kind": "feed without since", "cells": [(7.2, 47_526), (7.9, 47_600), (8.1, 47_700)]},
        ],
        cdn=[CdnResult(t.path, result(20000), 3, {"HIT": 5, "MISS": 1}) for t in (targets[0], targets[2])],
        cdn_per_url=200,
        poll_interval=10,
    )
    desk = [DeskResult("text", [40.0, 52.5, 61.0], 100), DeskResult("text and a photo", [900.0, 1100], None)]
    text = report(Settings.from_environment({}), ["- Date: today"], measurements, PHOTOS, desk)

    assert text.startswith("# `make bench` results\n\n- Date: today\n")
    assert "Responses: empty poll 145 bytes, full list 47,526 bytes, page 66,502 bytes." in text
    assert "400 connections (200 per URL, one wrk each) for 30 s" in text
    assert "(liveblog/microcache.py); all of these fit.\n" in text
    assert "each processed 5 time(s) in one process with production settings" in text
    throughput, cdn, growth, photos, desk_table = markdown_tables(text)
    assert throughput[0][:5] == ["row", "req/s", "ratio to baseline", "target", "met?"]
    assert len(throughput) == 1 + len(KINDS) * len(VARIANTS)
    assert cdn[0][4] == "app requests per URL per 10 s"
    assert [row[0] for row in cdn[1:]] == ["/entries/e/updates.json?since=1-200", "/entries/e/"]
    assert [row[1:] for row in growth] == [
        ["200 updates", "5,000 updates", "50,000 updates", "growth", "goal", "met?"],
        ["15.2", "16.1", "17.0", "1.12x", "<= 1.5x", "yes"],
        ["66,502", "66,900", "67,100", "1.01x", "<= 1.2x", "yes"],
        ["7.2", "7.9", "8.1", "1.12x", "<= 1.5x", "yes"],
        ["47,526", "47,600", "47,700", "1.00x", "<= 1.2x", "yes"],
    ]
    assert photos[0] == PHOTO_HEADER
    assert [row[0] for row in photos[1:]] == ["JPEG 3 MP", "JPEG 12 MP", "HEIC 12 MP"]
    assert desk_table == [
        DESK_HEADER,
        ["text", "52", "40-61", "<= 100", "yes"],
        ["text and a photo", "1000", "900-1100", "", ""],
    ]


def test_photo_rows_give_the_median_and_judge_the_12_megapixel_jpeg_against_the_goal():
    rows = photo_rows(PHOTOS)
    assert rows[0] == ["JPEG 3 MP", "2,016 x 1,512", "1.1 MB", "514", "510-530", "15,436 + 65,200 + 318,420",
                       "", ""]  # fmt: skip
    assert rows[1][:6] == ["JPEG 12 MP", "4,032 x 3,024", "2.7 MB", "655", "640-700",
                           "41,334 + 102,904 + 188,670"]  # fmt: skip
    assert rows[1][6:] == ["<= 2000", "yes"]
    assert rows[2][3:] == ["1470", "1470-1470", "41,328 + 101,784 + 187,586", "", ""]
    slow = PhotoResult("JPEG", 4000, 3000, 2_000_000, [2100.0, 1900.0, 2300.0], [1, 2, 3])
    assert photo_rows([slow])[0][6:] == ["<= 2000", "no"]


@pytest.mark.parametrize(("kind", "format"), [("JPEG", "JPEG"), ("HEIC", "HEIF")])
def test_the_photos_timed_are_the_format_and_size_they_are_named(kind, format):
    with Image.open(io.BytesIO(encode(kind, 640, 480))) as image:
        assert (image.format, image.size, image.mode) == (format, (640, 480), "RGB")


# What the runner reads from the servers ----------------------------------------------------------


def test_the_poll_interval_is_read_from_the_max_age_the_app_sends():
    target = Target(
        "empty poll", "/", "poll.json", headers=[("Cache-Control", "max-age=7, public, stale-if-error=300")]
    )
    assert target.max_age == 7


def test_requests_reaching_the_app_are_counted_per_path_in_gunicorns_access_log(tmp_path):
    log = tmp_path / "gunicorn.log"
    at = "127.0.0.1 - - [25/Nov/2026:12:05:01 +0000]"
    log.write_text(
        f'{at} "GET /entries/e/ HTTP/1.1" 200 66502 "-" "-"\n'
        f'{at} "GET /entries/e/updates.json?since=1-2 HTTP/1.0" 200 145 "-" "-"\n'
        f'{at} "GET /entries/e/ HTTP/1.1" 304 0 "-" "-"\n'
        f'{at} "GET /healthz HTTP/1.1" 200 2 "-" "-"\n'
        "[2026-11-25 12:05:13 +0000] [42] [INFO] Booting worker with pid: 42\n"
    )
    assert count_requests(log, ["/entries/e/", "/entries/e/updates.json?since=1-2", "/nowhere"]) == {
        "/entries/e/": 2,
        "/entries/e/updates.json?since=1-2": 1,
        "/nowhere": 0,
    }


def test_cache_statuses_are_counted_per_path_in_the_cdn_log(tmp_path):
    log = tmp_path / "cdn.log"
    log.write_text('MISS "/entries/e/" 200\nHIT "/entries/e/" 200\nHIT "/entries/e/" 200\n- "/healthz" 200\n')
    assert cache_statuses(log, ["/entries/e/"]) == {"/entries/e/": {"HIT": 2, "MISS": 1}}


def test_quick_mode_shortens_every_phase_and_explicit_knobs_still_win():
    quick = Settings.from_environment({"BENCH_QUICK": "1", "BENCH_SAMPLES": "5"})
    full = Settings.from_environment({})
    knobs = ["seconds", "cdn_seconds", "big_updates", "samples", "photo_runs"]
    assert [getattr(quick, knob) for knob in knobs] == [1, 3, 400, 5, 1]
    assert [getattr(full, knob) for knob in knobs] == [12, 30, 5000, 20, 5]
    assert full.round_seconds == 3


# A real run --------------------------------------------------------------------------------------


@pytest.mark.serving
@pytest.mark.slow
def test_a_quick_bench_run_reports_every_row(tmp_path):
    for name, usual_path in [("wrk", "/usr/bin/wrk"), ("nginx", "/usr/sbin/nginx")]:
        if not (shutil.which(name) or os.access(usual_path, os.X_OK)):
            skip_or_fail(f"{name} is missing: install Debian's {name} (`make test` and `make bench` do).")
    output = tmp_path / "results.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.update(BENCH_QUICK="1", BENCH_OUTPUT=str(output))
    run = subprocess.run(
        [sys.executable, "-m", "bench"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    text = output.read_text()
    assert text.strip() in run.stdout

    throughput, cdn, growth, photos, desk = markdown_tables(text)
    assert [row[0] for row in throughput[1:]] == [f"{kind}: {label}" for kind in KINDS for label in LABELS]
    responses = re.search(r"^Responses: (.*?)\. ", text, re.MULTILINE)[1]
    sizes = {kind.strip(): number(size) for kind, size in re.findall(r"([a-z ]+) ([\d,]+) bytes", responses)}
    # The app answered the compressed page in brotli, and the baseline the same bytes.
    assert sizes["compressed page"] < sizes["page"] / 4, sizes
    for row in throughput[1:]:
        kind, _, label = row[0].partition(": ")
        assert number(row[1]) > 0 and number(row[2]) > 0, row
        assert "non-2xx" not in row[5], row  # every URL measured answered 200
        if label == LABELS[0]:
            assert row[2] == "1.00"
        if label == LABELS[1]:
            assert row[3:5] in ([f">= {TARGETS[kind]}", "yes"], [f">= {TARGETS[kind]}", "no"]), row
        else:
            assert row[3:5] == ["", ""], row

    # The up-to-date feed URL every reader polls, and the page.
    assert re.fullmatch(r"/entries/bench-small/updates\.json\?since=[\w-]+", cdn[1][0]), cdn[1][0]
    assert cdn[2][0] == "/entries/bench-small/"
    assert len(cdn) == 3
    for row in cdn[1:]:
        served, reached = number(row[1]), number(row[3])
        allowed = int(re.match(r"<= (\d+) ", row[6])[1])
        assert 1 <= reached <= allowed, row  # one fill, then the CDN's copy
        assert served > 100 * reached, row
        assert row[5] == "0" and row[7] == "yes", row
        assert "MISS 1" in row[8] and "HIT" in row[8], row

    assert [row[0] for row in growth[1:]] == GROWTH_ROWS
    for row in growth[1:]:
        assert all(number(cell) > 0 for cell in row[1:5]), row  # the figures and the growth, not the goal
    for row in growth[1:]:
        if row[0].endswith("bytes"):
            # Four times the updates, about the same bytes: one page of them (blog/pages.py).
            assert number(row[4].removesuffix("x")) < 1.5, row

    # Each photo was processed: a time, and its variants (480, 960, and 1,600 or its own width).
    assert [row[:2] for row in photos[1:]] == [["JPEG 3 MP", "2,016 x 1,512"], ["HEIC 1 MP", "1,152 x 864"]]
    for row, widths in zip(photos[1:], [3, 3], strict=True):
        assert number(row[2].removesuffix(" MB")) > 0 and number(row[3]) > 0, row
        assert len(row[5].split(" + ")) == widths, row
        assert row[6:] == ["", ""], row  # the 12-megapixel goal is for a full run

    # Posts from the desk reached the public feed, with and without a photo.
    assert [row[0] for row in desk[1:]] == ["text", "text and a photo"]
    assert all(number(row[1]) > 0 for row in desk[1:]), desk
    assert desk[1][3] == "<= 100" and desk[1][4] in ("yes", "no")


@pytest.mark.django_db
def test_bench_data_creates_the_updates_once():
    call_command("bench_data", "bench-test", "--updates", "12", stdout=io.StringIO())
    output = io.StringIO()
    call_command("bench_data", "bench-test", "--updates", "12", stdout=output)
    assert "12 updates (0 added)" in output.getvalue()
    entry = Entry.objects.get(slug="bench-test")
    assert entry.updates.count() == entry.version == 12
    assert len({update.content for update in entry.updates.all()}) > 6


@pytest.mark.django_db
def test_bench_data_with_photos_shows_uploaded_photos_instead_of_images_from_elsewhere():
    call_command("bench_data", "bench-photos", "--updates", "200", "--photos", stdout=io.StringIO())
    updates = Entry.objects.get(slug="bench-photos").updates.all()
    with_photos = [update for update in updates if update.photos.exists()]
    assert len(with_photos) == 50
    assert all('<figure class="update-photo"' in update.content_html for update in with_photos)
    assert not any("example.com/photos" in update.content_html for update in updates)
    assert len({photo.digest for update in with_photos for photo in update.photos.all()}) == 1, "files shared"
