"""A private PostgreSQL cluster for fault-injection tests: start it, freeze it, thaw it, remove it.

Never the shared server on 5432: each cluster is a fresh initdb in a temporary
directory, listening on a free loopback port, with its unix socket in that
directory. PostgreSQL refuses to run as root, so when the tests run as root the
cluster runs as ``nobody``.

    with PostgresCluster() as cluster:
        url = cluster.create_database("liveblog")
        ...
        cluster.freeze()  # every PostgreSQL process stops (SIGSTOP); the kernel still accepts connections
        cluster.thaw()
"""

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from contextlib import suppress
from pathlib import Path

from bench.servers import free_port

POSTGRESQL_ROOT = Path("/usr/lib/postgresql")
UNPRIVILEGED_USER = "nobody"
SUPERUSER = "postgres"


def postgres_binaries():
    """Return the bin directory of the newest PostgreSQL installed, or None."""
    versions = [path for path in POSTGRESQL_ROOT.glob("*/bin") if (path / "initdb").exists()]
    if not versions:
        return None
    return max(versions, key=lambda path: int(re.sub(r"\D", "", path.parent.name) or 0))


def child_pids(parent):
    """Return the pids of ``parent``'s children, from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces and parentheses: the fields follow the last ")".
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


class PostgresCluster:
    """A throwaway PostgreSQL server on 127.0.0.1, trusting its superuser ``postgres``."""

    def __init__(self):
        self.bin = postgres_binaries()
        if self.bin is None:
            raise FileNotFoundError(f"no PostgreSQL binaries under {POSTGRESQL_ROOT}")
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="liveblog-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgresql.log"
        self.postmaster = None
        self.frozen = False

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def url(self, database=SUPERUSER):
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def run(self, program, *args):
        """Run one of PostgreSQL's programs, as an unprivileged user when we are root."""
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", UNPRIVILEGED_USER, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60)

    def start(self):
        if os.geteuid() == 0:
            user = pwd.getpwnam(UNPRIVILEGED_USER)
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        self.run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                 "--locale=C", "--no-sync")  # fmt: skip
        server_options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.directory}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
                 "-o", server_options)  # fmt: skip
        self.postmaster = int((self.data / "postmaster.pid").read_text().split()[0])

    def create_database(self, name):
        """Create a database and return its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def send_signal(self, number):
        """Send a signal to every process of the server, the postmaster first."""
        for pid in [self.postmaster, *child_pids(self.postmaster)]:
            with suppress(ProcessLookupError):  # a backend that just ended
                os.kill(pid, number)

    def freeze(self):
        """Stop every process of the server (SIGSTOP): connections stay open and nothing answers."""
        # The postmaster first, so that it starts no new backend meanwhile.
        self.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self):
        """Let the server run again (SIGCONT)."""
        self.send_signal(signal.SIGCONT)
        self.frozen = False

    def stop(self):
        """Stop the server, whatever state it is in, and remove its files."""
        try:
            if self.postmaster is not None:
                if self.frozen:
                    self.thaw()
                try:
                    self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30")
                except subprocess.SubprocessError:
                    self.send_signal(signal.SIGKILL)
                self.postmaster = None
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
