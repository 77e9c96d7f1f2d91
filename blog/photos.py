"""Photos: read an upload by its content, refuse anything that is not a photo, store clean variants.

process() is the only place an uploaded file is parsed (issue 9). It decides
the format from the bytes, never the file name, and only ever lets Pillow try
the formats in ACCEPTED_FORMATS: a text file renamed .jpg, an SVG (which can
carry script), a PDF or a PSD is refused before any other parser sees it.
Limits come first: the file's size before reading it, the pixel count from the
header before decoding any pixel (PHOTO_MAX_UPLOAD_BYTES, PHOTO_MAX_PIXELS).

What is stored is newly encoded pixels and nothing else. The EXIF orientation
is applied, then every byte of metadata is left behind: EXIF (a phone writes
GPS coordinates into every photo; publishing them tells the world where the
author is), XMP, comments, and the ICC profile, whose colours are converted to
sRGB first so that a phone's wide-gamut photo still looks right. Re-encoding
also neutralises polyglots: whatever HTML or ZIP rode along in the source,
in a comment or after the image's end, is not in the output.

Variants are WebP (every current browser reads it) at WIDTHS, never upscaled,
stored under names derived from the source's digest, so a stored file never
changes and can be cached forever.
"""

import contextlib
import hashlib
import io
import math
import re
import struct
import warnings
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import ExifTags, Image, ImageCms, ImageOps

# HEIC/HEIF, iPhones' default. Thumbnails, depth maps and auxiliary images are
# never used, so they are not even parsed.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
# Pillow signals a probable decompression bomb with a RuntimeWarning below twice
# its limit and an exception above. As an exception, process() refuses both the
# same way; a warning would only be logged (and is an error under pytest). A
# filter installed once, as Pillow's documentation suggests: catch_warnings()
# per call would race between a server's threads.
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

# Pillow's name of each format accepted, and the name authors know it by.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF", "HEIF": "HEIC"}
# The same formats for a file input's accept attribute (a phone's picker offers only these).
ACCEPTED_MIME_TYPES = "image/jpeg,image/png,image/webp,image/gif,image/heic,image/heif"
WIDTHS = (480, 960, 1600)
DIRECTORY = "photos"

WEBP_QUALITY = 80
# libwebp's effort, 0 to 6: 4, its own default, makes files 12% smaller than Pillow's
# default 0, for 0.14 s more on a 1,600-pixel variant here (6: another 12%, 0.23 s more).
WEBP_METHOD = 4
# Part of every digest: when the way variants are made changes, new uploads get
# new names, so a name once published always means the same bytes.
RECIPE = f"v2 webp q{WEBP_QUALITY} m{WEBP_METHOD} widths {','.join(map(str, WIDTHS))}".encode()

MEGABYTE = 1_000_000
MEGAPIXEL = 1_000_000

# What a hostile or broken file makes Pillow's parsers and decoders raise.
DECODING_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)
_BOMB_PIXELS = re.compile(r"Image size \((\d+) pixels\)")
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class Variant:
    width: int
    height: int
    data: bytes  # WebP: newly encoded pixels, no metadata at all


@dataclass(frozen=True)
class ProcessedPhoto:
    digest: str  # hex sha256 of RECIPE and the source's bytes: names the photo's files
    width: int  # of the largest variant
    height: int
    variants: tuple[Variant, ...]  # smallest first


def accepted_types():
    """Return the accepted formats as authors name them: "JPEG, PNG, WebP, GIF or HEIC"."""
    names = list(ACCEPTED_FORMATS.values())
    return f"{', '.join(names[:-1])} or {names[-1]}"


def upload_help_text():
    """Return what the upload field accepts, with the limits in force, for its help text."""
    return (
        f"A photo: {accepted_types()}, up to {_number(settings.PHOTO_MAX_UPLOAD_BYTES / MEGABYTE)} MB "
        f"and {_number(settings.PHOTO_MAX_PIXELS / MEGAPIXEL)} megapixels."
    )


def process(uploaded_file):
    """Decode by content (never the name), enforce the limits, apply EXIF orientation, re-encode variants.

    Raise ValidationError with a message for the author on any bad input.
    """
    data = _read(uploaded_file)
    image = _open(data)
    with image:
        pixels = _decode(image)
    variants = _variants(pixels)
    largest = variants[-1]
    digest = hashlib.sha256(RECIPE + b"\0" + data).hexdigest()
    return ProcessedPhoto(digest, largest.width, largest.height, variants)


def variant_name(digest, width):
    """Return the storage name of one variant: photos/ab/abcdef...-960.webp."""
    return f"{DIRECTORY}/{digest[:2]}/{digest}-{width}.webp"


def save(processed, storage=None):
    """Store each variant unless it is stored already; return their names and sizes, smallest first."""
    storage = storage or default_storage
    stored = []
    for variant in processed.variants:
        name = variant_name(processed.digest, variant.width)
        if not storage.exists(name):
            saved = storage.save(name, ContentFile(variant.data))
            if saved != name:
                # The same photo stored by another request in the meantime: the
                # same name means the same bytes, so keep that copy, not a second.
                storage.delete(saved)
        stored.append({"name": name, "width": variant.width, "height": variant.height})
    return stored


def delete(variants, storage=None):
    """Delete the named files (save()'s dicts or plain names); files already gone are fine."""
    storage = storage or default_storage
    for variant in variants:
        storage.delete(variant["name"] if isinstance(variant, dict) else variant)


# Reading and checking ---------------------------------------------------------------------------


def _read(uploaded_file):
    """Return the file's bytes, refusing a file over the size limit before reading it."""
    limit = settings.PHOTO_MAX_UPLOAD_BYTES
    size = getattr(uploaded_file, "size", None)  # Django's uploads know it
    if size is None:
        size = uploaded_file.seek(0, io.SEEK_END)
    if size > limit:
        raise ValidationError(
            "This file is %(size)s MB; the limit is %(limit)s MB.",
            code="file_too_large",
            params={"size": _over(size / MEGABYTE), "limit": _number(limit / MEGABYTE)},
        )
    uploaded_file.seek(0)
    return uploaded_file.read()


def _open(data):
    """Parse the header of one of the accepted formats, refusing too many pixels before decoding any."""
    limit = settings.PHOTO_MAX_PIXELS
    # Pillow's own guard, at the same limit: it checks the header's size while
    # opening, before our check below can run.
    Image.MAX_IMAGE_PIXELS = limit
    try:
        image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except _BOMB_ERRORS as error:
        found = _BOMB_PIXELS.search(str(error))
        raise _too_many_pixels(int(found[1]) if found else None, limit) from error
    except DECODING_ERRORS as error:
        raise _unreadable() from error
    width, height = image.size
    if width * height > limit:  # in case the warnings filter above was reset
        image.close()
        raise _too_many_pixels(width * height, limit)
    return image


def _too_many_pixels(pixels, limit):
    limit_shown = _number(limit / MEGAPIXEL)
    if pixels is None:
        return ValidationError(
            "This photo has more than %(limit)s megapixels, the limit.",
            code="too_many_pixels",
            params={"limit": limit_shown},
        )
    return ValidationError(
        "This photo is %(pixels)s megapixels; the limit is %(limit)s.",
        code="too_many_pixels",
        params={"pixels": _over(pixels / MEGAPIXEL), "limit": limit_shown},
    )


def _unreadable():
    return ValidationError(
        "This file is not a photo we can read: upload a %(types)s image.",
        code="not_a_photo",
        params={"types": accepted_types()},
    )


def _damaged():
    return ValidationError(
        "This photo is damaged or incomplete, so we cannot read it: upload it again (a %(types)s image).",
        code="damaged_photo",
        params={"types": accepted_types()},
    )


def _number(value):
    """Format a limit: 25, 2.5, 1,000."""
    return f"{value:,.1f}".removesuffix(".0")


def _over(value):
    """Format an amount over a limit, rounded up so that it never shows as the limit itself."""
    return _number(math.ceil(value * 10) / 10)


# Decoding ---------------------------------------------------------------------------------------


def _decode(image):
    """Return the first frame's pixels, upright, as 8-bit RGB or RGBA in sRGB; no metadata kept."""
    icc_profile = image.info.get("icc_profile")
    if image.format in ("JPEG", "MPO"):  # MPO: a camera's JPEG with a second picture inside
        # libjpeg decodes straight to a half, a quarter or an eighth of the size
        # when the largest variant is that much smaller: a 12-megapixel photo
        # decodes in a third of the time and a quarter of the memory.
        image.draft(image.mode, _source_size_of_largest(image))
    try:
        image.load()
    except _BOMB_ERRORS as error:  # a GIF whose first frame is larger than its header says
        raise _too_many_pixels(None, settings.PHOTO_MAX_PIXELS) from error
    except DECODING_ERRORS as error:
        raise _damaged() from error
    # Unreadable EXIF leaves the photo as stored: its pixels are fine, and the metadata goes anyway.
    with contextlib.suppress(DECODING_ERRORS):
        ImageOps.exif_transpose(image, in_place=True)
    try:
        pixels = _eight_bit(image)
    except ValueError as error:  # a combination of mode and transparency Pillow cannot convert
        raise _unreadable() from error
    largest_width = _widths(pixels.width)[-1]
    if largest_width < pixels.width:
        size = _scaled(pixels.size, largest_width)
        pixels = pixels.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return _srgb(pixels, icc_profile)


def _source_size_of_largest(image):
    """The largest variant's size, as the source is stored (before its EXIF orientation is applied)."""
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except DECODING_ERRORS:
        orientation = 1
    width, height = image.size
    turned = orientation in (5, 6, 7, 8)  # a quarter turn: the photo's width is the stored height
    upright_width, upright_height = (height, width) if turned else (width, height)
    size = _scaled((upright_width, upright_height), _widths(upright_width)[-1])
    return size[::-1] if turned else size


def _eight_bit(image):
    """Return the pixels in a mode the colour conversion and WebP take: RGB, RGBA, L or CMYK."""
    if image.mode.startswith("I"):
        # 16-bit greys (PNG): scaled to 8 bits, where a plain conversion would clip
        # them to white. Their rare 16-bit transparent value is not kept.
        image = image.point(lambda value: value / 256).convert("L")
        image.info.pop("transparency", None)
    if image.mode in ("P", "PA", "LA", "La", "RGBa") or "transparency" in image.info:
        return image.convert("RGBA")  # palette or grey with transparency
    if image.mode in ("RGB", "RGBA", "L", "CMYK"):
        return image
    return image.convert("RGB")


def _srgb(pixels, icc_profile):
    """Convert to sRGB by the source's ICC profile when it has one (phones shoot wide-gamut colour)."""
    mode = "RGBA" if pixels.mode == "RGBA" else "RGB"
    if icc_profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            return ImageCms.profileToProfile(pixels, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile, or one for other colours than the pixels': keep them as they are
    return pixels.convert(mode)


def _widths(width):
    """The variant widths for a photo this wide: WIDTHS below its own width, then its own (capped).

    A photo between two widths keeps its own as its largest variant (a 1,200-pixel
    photo is not cut down to 960 for a sharp screen), unless that is within a
    fifth of the width below it, which would be stored twice for nothing.
    """
    below = [w for w in WIDTHS if w < width]
    largest = min(width, WIDTHS[-1])
    if below and largest < below[-1] * 1.2:
        return below
    return [*below, largest]


def _scaled(size, width):
    return width, max(1, round(size[1] * width / size[0]))


def _variants(pixels):
    """Encode the variants, smallest first, each resized from the largest."""
    variants = []
    for width in _widths(pixels.width):
        resized = pixels
        if width < pixels.width:
            resized = pixels.resize(_scaled(pixels.size, width), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        # Nothing but pixels, said explicitly, whatever Pillow's defaults become.
        resized.save(
            buffer, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD, exif=b"", xmp=b"", icc_profile=None
        )
        variants.append(Variant(resized.width, resized.height, buffer.getvalue()))
    return tuple(variants)
