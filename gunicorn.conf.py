"""gunicorn settings, read from the environment: `gunicorn liveblog.wsgi`.

https://docs.gunicorn.org/en/stable/settings.html
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
# Threads: a worker keeps serving polls while one request waits on the database.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
accesslog = "-"
errorlog = "-"
# Polls are small and frequent: keep connections from a proxy or CDN open between them.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = 30
graceful_timeout = 20
# gunicorn 27's control socket defaults to one path per user: two servers on
# one machine (tests, make bench) would fight over it, and we do not use it.
control_socket_disable = True
# A client must not choose where the app thinks it is mounted. gunicorn's
# defaults take SCRIPT_NAME and PATH_INFO request headers from loopback peers,
# and every request a local nginx forwards comes from loopback: a reader's
# "SCRIPT_NAME: /evil" made pages link under /evil/, and "/x" made the feed
# answer 500 (issue 8). No proxy of ours sets them, so trust none, and keep
# gunicorn dropping every other header with an underscore (nginx drops them too).
forwarder_headers = ""
header_map = "drop"
