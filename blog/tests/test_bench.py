"""`make bench` (bench/run.py) keeps working; its numbers are never checked here.

Timings on a shared machine prove nothing in a test, so these tests assert no
speed or ratio: only that a short run completes and reports every row.
"""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from blog.models import Entry
from blog.tests.conftest import skip_or_fail

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KINDS = ["empty poll", "full list", "page"]
VARIANTS = [
    "baseline (WSGI app, no framework)",
    "app (production: micro-cache on)",
    "app, micro-cache off",
    "nginx static file (ceiling)",
]
GROWTH_ROWS = ["page, median ms", "page, bytes", "full list, median ms", "full list, bytes"]


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
        [sys.executable, "bench/run.py"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    report = output.read_text()
    assert report.strip() in run.stdout

    throughput, cdn, growth = markdown_tables(report)
    assert throughput[0][:3] == ["row", "req/s", "ratio to baseline"]
    assert [row[0] for row in throughput[1:]] == [
        f"{kind}: {variant}" for kind in KINDS for variant in VARIANTS
    ]
    for row in throughput[1:]:
        assert number(row[1]) >= 0 and number(row[2]) >= 0
        assert row[4] in ("yes", "no", "")
    assert [row[0] for row in cdn[1:]] == [
        "/entries/bench-small/updates.json?since=200",
        "/entries/bench-small/",
    ]
    for row in cdn[1:]:
        served, reached = number(row[1]), number(row[3])
        assert served > 0 and reached >= 1
    assert [row[0] for row in growth[1:]] == GROWTH_ROWS
    for row in growth[1:]:
        assert all(number(cell) >= 0 for cell in row[1:])


@pytest.mark.django_db
def test_bench_data_creates_the_updates_once():
    call_command("bench_data", "bench-test", "--updates", "12", stdout=io.StringIO())
    output = io.StringIO()
    call_command("bench_data", "bench-test", "--updates", "12", stdout=output)
    assert "12 updates (0 added)" in output.getvalue()
    entry = Entry.objects.get(slug="bench-test")
    assert entry.updates.count() == entry.version == 12
    assert len({update.content for update in entry.updates.all()}) > 6
