"""Processing time per photo, by source size: blog/photos.process() on photos generated at run time.

The issue's goal (issue 9): a 12-megapixel phone JPEG processed in under about
2 s on the 2-core machine. Nothing is downloaded: each source is drawn with
Pillow (smooth shapes, a gradient and grain, so that it compresses and decodes
like a photo rather than a flat colour) and encoded as a phone would.

measure_photos() runs `python -m bench.photos` in a process of its own, with
the servers' production settings (the deployment's limits, DEBUG off), which
prints one JSON line per source.
"""

import io
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

import pillow_heif
from PIL import Image

from bench.config import log
from bench.servers import PROJECT_ROOT

# (format, width, height): a phone's 4:3 sizes. 48 megapixels is a phone's
# largest mode, just under PHOTO_MAX_PIXELS; the HEIC is an iPhone's default.
SOURCES = [("JPEG", 2016, 1512), ("JPEG", 4032, 3024), ("JPEG", 5664, 4248), ("JPEG", 8000, 6000),
           ("HEIC", 4032, 3024)]  # fmt: skip
QUICK_SOURCES = [("JPEG", 2016, 1512), ("HEIC", 1152, 864)]
TARGET = {"format": "JPEG", "megapixels": 12, "seconds": 2.0}
JPEG_QUALITY = 90
HEIC_QUALITY = 80

pillow_heif.register_heif_opener()


@dataclass(frozen=True)
class PhotoResult:
    format: str
    width: int
    height: int
    bytes: int  # the source file's size
    times_ms: list
    variants: list  # the stored variants' sizes in bytes, smallest first

    @property
    def megapixels(self):
        return round(self.width * self.height / 1_000_000)

    @property
    def median_ms(self):
        return statistics.median(self.times_ms)

    @property
    def target_ms(self):
        """The goal for this source, in ms, or None: only the 12-megapixel JPEG has one."""
        if (self.format, self.megapixels) == (TARGET["format"], TARGET["megapixels"]):
            return TARGET["seconds"] * 1000
        return None


def measure_photos(settings, env):
    """Process each source ``settings.photo_runs`` times in a production-configured process."""
    sources = QUICK_SOURCES if settings.quick else SOURCES
    arguments = [f"{kind}:{width}x{height}" for kind, width, height in sources]
    run = subprocess.run(
        [sys.executable, "-m", "bench.photos", "--runs", str(settings.photo_runs), *arguments],
        cwd=PROJECT_ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "liveblog.settings"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"python -m bench.photos failed:\n{run.stderr[-4000:]}")
    results = [PhotoResult(**json.loads(line)) for line in run.stdout.splitlines() if line.startswith("{")]
    for result in results:
        log(f"photos: {result.format} {result.megapixels} MP: {result.median_ms:.0f} ms")
    return results


def photo_like(width, height):
    """Return an RGB picture that compresses like a photo: smooth shapes, a gradient, grain."""
    blobs = Image.effect_noise((max(1, width // 32), max(1, height // 32)), 50)
    shapes = blobs.resize((width, height), Image.Resampling.BICUBIC)
    gradient = Image.linear_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), 40)
    channels = [(shapes, grain, 0.3), (gradient, grain, 0.2), (shapes, gradient, 0.5)]
    return Image.merge("RGB", [Image.blend(*channel) for channel in channels])


def encode(kind, width, height):
    """Return a photo-like file of this size in ``kind``, "JPEG" or "HEIC", as a phone writes it."""
    buffer = io.BytesIO()
    picture = photo_like(width, height)
    if kind == "HEIC":
        # In 512-pixel tiles, as iPhones write it (and as HEVC needs beyond about
        # 35 megapixels), with x265's fastest preset: its default takes 20 s to
        # encode 12 megapixels here, and only the decoding is measured.
        pillow_heif.options.GRID_TILE_SIZE = 512
        picture.save(buffer, "HEIF", quality=HEIC_QUALITY, enc_params={"preset": "ultrafast"})
    else:
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def time_processing(kind, width, height, runs):
    """Return a PhotoResult: process() run ``runs`` times on one generated source (after django.setup())."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from blog import photos

    data = encode(kind, width, height)
    times, processed = [], None
    for _ in range(runs):
        upload = SimpleUploadedFile(f"photo.{kind.lower()}", data)
        started = time.perf_counter()
        processed = photos.process(upload)
        times.append((time.perf_counter() - started) * 1000)
    variants = [len(variant.data) for variant in processed.variants]
    return PhotoResult(kind, width, height, len(data), times, variants)


def main(argv):
    import django

    django.setup()
    runs = int(argv[argv.index("--runs") + 1])
    sources = [arg for arg in argv if ":" in arg]
    time_processing("JPEG", 640, 480, 1)  # a warm-up: the first call pays for imports and set-up
    for source in sources:
        kind, _, size = source.partition(":")
        width, height = (int(n) for n in size.split("x"))
        result = time_processing(kind, width, height, runs)
        print(json.dumps(result.__dict__), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
