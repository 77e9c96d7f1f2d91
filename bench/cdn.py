"""nginx in front of the app for `make bench`: a caching proxy standing in for the CDN, and a
static-file server for the ceiling. bench/nginx.py starts and stops them.
"""

from pathlib import Path

from bench.nginx import Nginx
from bench.servers import free_port

# The bench's additions to bench/nginx.py's http block.
HTTP = """\
    sendfile on;
    keepalive_timeout 65;
    # wrk keeps its connections open for the whole run, as gunicorn lets it.
    keepalive_requests 1000000;
{server}"""

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
        access_log {directory}/{log} cdn buffer=256k flush=1s;
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
CDN_LOG = "cdn.log"


def start_static(directory, root, content_types):
    """Serve the files named in ``content_types`` (name -> Content-Type) from ``root``."""
    port = free_port()
    locations = "\n".join(
        STATIC_LOCATION.format(name=name, content_type=content_type)
        for name, content_type in content_types.items()
    )
    return Nginx(
        directory, HTTP.format(server=STATIC_SERVER.format(port=port, root=root, locations=locations)), port
    )


def start_cdn(directory, origin_port):
    """Cache the origin on ``origin_port`` as a CDN would; each request's cache status goes to CDN_LOG."""
    port = free_port()
    server = CDN_SERVER.format(directory=directory, log=CDN_LOG, origin_port=origin_port, port=port)
    return Nginx(directory, HTTP.format(server=server), port)


def cache_statuses(log_path, paths):
    """Count each path's $upstream_cache_status (HIT, MISS, ...) in a CDN_LOG."""
    statuses = {path: {} for path in paths}
    for line in Path(log_path).read_text().splitlines():
        status, _, rest = line.partition(" ")
        path = rest.split('"')[1] if '"' in rest else ""
        if path in statuses:
            statuses[path][status] = statuses[path].get(status, 0) + 1
    return statuses
