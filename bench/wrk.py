"""Driving wrk, and reading its report."""

import re
import statistics
import subprocess
from dataclasses import dataclass, field

from bench.config import wrk_executable

HEADER = "X-Forwarded-Proto: https"
# wrk's default of 2 s would count the slow rows' (micro-cache off) queued requests as errors.
TIMEOUT = "10s"
LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
SOCKET_ERROR_KINDS = ["connect", "read", "write", "timeout"]


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


def parse(output):
    """Read requests, requests/s, average latency and errors from wrk's report."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    requests = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    if not (rps and requests):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    latency = re.search(r"^\s*Latency\s+([\d.]+)(us|ms|s)\b", output, re.MULTILINE)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    counts = map(int, socket_errors.groups()) if socket_errors else [0] * len(SOCKET_ERROR_KINDS)
    return WrkResult(
        requests=int(requests[1]),
        rps=float(rps[1]),
        latency_ms=float(latency[1]) * LATENCY_UNITS[latency[2]] if latency else float("nan"),
        socket_errors=dict(zip(SOCKET_ERROR_KINDS, counts, strict=True)),
        non_2xx_3xx=int(non_2xx[1]) if non_2xx else 0,
    )


def start(url, seconds, connections, threads, headers=None):
    """Start wrk on ``url``, sending HEADER and ``headers`` (a dict) with every request."""
    extra = [option for name, value in (headers or {}).items() for option in ("-H", f"{name}: {value}")]
    command = [wrk_executable(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={TIMEOUT}",
               "-H", HEADER, *extra, url]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process):
    output, _ = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")
    return parse(output)


def run(url, seconds, connections, threads, headers=None):
    return finish(start(url, seconds, connections, threads, headers))


def version():
    output = subprocess.run([wrk_executable(), "-v"], capture_output=True, text=True).stdout
    return output.split(" [")[0].split(" Copyright")[0].strip() or "?"
