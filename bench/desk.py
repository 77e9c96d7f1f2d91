"""How long an author waits: from the desk's post to the update in the public feed (issue 12).

Logged in as the author, the bench posts through the desk's own endpoint
(blog/desk.py) to an entry of its own, then asks the public feed for what
changed since its last cursor, as a reader's poll would, and keeps asking
until the update is there (the first answer has it: the post commits before
it answers). One sample is the time from sending the post to that answer.
With a photo, the sample starts with the upload of a phone-sized JPEG, as the
desk sends it on its own before the post that attaches it.
"""

import json
import statistics
import time
import uuid
from dataclasses import dataclass

from bench.config import log
from bench.photos import encode
from bench.servers import Client

# The goal: a post without a photo visible to readers within this, server time.
TARGET_MS = 100
PHOTO_SIZE = (4032, 3024)  # 12 megapixels, a phone's default
QUICK_PHOTO_SIZE = (1600, 1200)
SLUG = "bench-desk"


@dataclass(frozen=True)
class DeskResult:
    kind: str
    times_ms: list
    target_ms: float | None

    @property
    def median_ms(self):
        return statistics.median(self.times_ms)


def measure_desk(settings, server, entry_id):
    """Post ``settings.samples`` updates without and with a photo; return a DeskResult for each kind."""
    client = Client(server)
    client.log_in("author", "author-password")
    desk = f"/admin/blog/entry/{entry_id}/desk/"
    feed = f"/entries/{SLUG}/updates.json"
    cursor = client.get_json(feed)["cursor"]
    photo = encode("JPEG", *(QUICK_PHOTO_SIZE if settings.quick else PHOTO_SIZE))
    results = []
    for kind, with_photo, target in [("text", False, TARGET_MS), ("text and a photo", True, None)]:
        times = []
        for number in range(settings.samples):
            started = time.perf_counter()
            photos = []
            if with_photo:
                uploaded = send(client, desk + "photos.json", files={"file": ("slide.jpg", photo)})
                photos = [{"token": uploaded["token"], "alt": "The keynote's slide, from row 12."}]
            body = {"draft_id": str(uuid.uuid4()), "content": f"Update {number}: *the demo works*.",
                    "photos": photos}  # fmt: skip
            made = send(client, desk + "updates.json", body=body)["update"]
            while True:
                delta = client.get_json(f"{feed}?since={cursor}")
                cursor = delta["cursor"]
                if any(update["id"] == made["id"] for update in delta["updates"]):
                    break
            times.append((time.perf_counter() - started) * 1000)
        results.append(DeskResult(kind, times, target))
        log(f"desk: {kind}: median {statistics.median(times):.0f} ms")
    return results


def send(client, path, body=None, files=None):
    """POST JSON or one multipart file to a desk endpoint, as the desk's script does; return its JSON."""
    headers = {
        "X-CSRFToken": client.cookies["csrftoken"],
        # Django checks the origin of an HTTPS POST; the proxy header makes this one HTTPS.
        "Origin": f"https://127.0.0.1:{client.server.port}",
    }
    if files is None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    else:
        boundary = uuid.uuid4().hex
        ((field, (name, content)),) = files.items()
        data = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    status, _, answer = client.request(path, data, headers, raw=True)
    assert status in (200, 201), (status, answer[:500])
    return json.loads(answer)
