"""nginx as a child process on a config of its own, for `make bench` and the serving tests.

The caller gives a directory and what goes inside the config's ``http`` block;
nginx runs in the foreground with its pid, temp and log files in that
directory, and stop() ends it gracefully. Nothing here touches the machine's
own nginx set-up.
"""

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time

# Debian installs nginx in /usr/sbin, which a user's PATH may lack.
DEBIAN_EXECUTABLE = "/usr/sbin/nginx"

MAIN = """\
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
{http}
}}
"""


def executable():
    """Return nginx's path, or fail saying how to install it."""
    found = shutil.which("nginx") or (DEBIAN_EXECUTABLE if os.access(DEBIAN_EXECUTABLE, os.X_OK) else None)
    if found is None:
        raise RuntimeError("nginx is missing; `make test` installs it (apt-get install nginx)")
    return found


def version():
    output = subprocess.run([executable(), "-v"], capture_output=True, text=True).stderr
    return output.strip().removeprefix("nginx version: ") or "nginx ?"


def worker_user():
    """The ``user`` directive: as root, workers would run as nobody:nobody, and Debian's group is nogroup."""
    if os.geteuid() != 0:
        return ""
    nobody = pwd.getpwnam("nobody")
    return f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"


def open_to_workers(path, workdir):
    """Let nginx's workers (nobody, when running as root) reach ``path`` inside ``workdir``."""
    if os.geteuid() != 0:
        return
    if workdir not in path.parents:
        raise ValueError(f"{path} is outside {workdir}")
    path.chmod(0o755)
    for directory in path.parents:
        directory.chmod(directory.stat().st_mode | 0o111)  # traverse, not list
        if directory == workdir:
            break


class Nginx:
    """nginx with ``http`` as its http block, files in ``directory``, listening on loopback ``port``.

    Its workers buffer request bodies and responses in ``directory``/temp, so
    ``directory`` must be reachable by them (open_to_workers).
    """

    def __init__(self, directory, http, port, workers=None):
        self.directory = directory
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        (directory / "temp").mkdir(parents=True, exist_ok=True)
        self.config = directory / "nginx.conf"
        workers = workers or len(os.sched_getaffinity(0))
        self.config.write_text(
            MAIN.format(workers=workers, directory=directory, user=worker_user(), http=http)
        )
        self.log = open(directory / "stderr.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [executable(), "-p", directory, "-c", self.config, "-e", directory / "error.log"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.wait_until_listening()

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
        # SIGQUIT: a graceful stop, which flushes buffered access logs.
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
