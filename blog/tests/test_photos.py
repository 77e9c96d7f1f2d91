"""blog/photos.py: what is accepted, what is refused and how it is said, and what is stored.

Every image here is generated small, at test time; the time a real 12-megapixel
photo takes is measured by `make bench`, not asserted here.
"""

import io
import os
import re
import struct
import subprocess
import sys
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import RequestFactory
from PIL import ExifTags, Image, ImageCms, JpegImagePlugin, PngImagePlugin

from blog import photos
from blog.tests.test_settings import A_REAL_KEY, read_setting

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOT_A_PHOTO = "This file is not a photo we can read: upload a JPEG, PNG, WebP, GIF or HEIC image."
DAMAGED = (
    "This photo is damaged or incomplete, so we cannot read it: "
    "upload it again (a JPEG, PNG, WebP, GIF or HEIC image)."
)
# What a WebP holding nothing but pixels is made of: image data, alpha, and the
# extended header that announces alpha. EXIF, XMP and ICCP would be chunks of their own.
PIXEL_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
HOSTILE_HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def photo_limits(settings):
    """The documented defaults, whatever a developer's .env says."""
    settings.PHOTO_MAX_UPLOAD_BYTES = 25_000_000
    settings.PHOTO_MAX_PIXELS = 50_000_000
    return settings


def upload(data, name="photo.jpg"):
    return SimpleUploadedFile(name, data)


def encode(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def two_colours(width=600, height=300):
    """A photo whose left square is blue and the rest red, to tell which way up it is stored."""
    image = Image.new("RGB", (width, height), (255, 0, 0))
    image.paste((0, 0, 255), (0, 0, height, height))
    return image


def opened(variant):
    return Image.open(io.BytesIO(variant.data))


def webp_chunks(data):
    """Return the four-letter names of a WebP file's RIFF chunks."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    names, position = [], 12
    while position < len(data):
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        names.append(data[position : position + 4])
        position += 8 + length + (length & 1)
    return names


def png_header_only(width, height):
    """A PNG that claims to be ``width`` x ``height`` (RGB) with one tiny, undecodable IDAT."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def refusal(data, name="photo.jpg"):
    with pytest.raises(ValidationError) as refused:
        photos.process(upload(data, name))
    return refused.value.messages


# Bad input: each is refused with a message for the author ---------------------------------------


def test_a_text_file_named_jpg_is_refused_naming_the_accepted_types():
    assert refusal(b"Notes from the keynote: remember to ask about offline sync.\n") == [NOT_A_PHOTO]


def test_a_truncated_jpeg_is_refused_as_damaged():
    whole = encode(Image.effect_noise((400, 300), 40), "JPEG")
    assert Image.open(io.BytesIO(whole[: len(whole) // 2])).size == (400, 300), "its header still reads"
    assert refusal(whole[: len(whole) // 2]) == [DAMAGED]


def test_a_20000_by_20000_png_is_refused_from_its_header_before_any_pixel_is_decoded():
    """Its pixel data is not even valid: only a check of the header says "megapixels" here."""
    assert refusal(png_header_only(20_000, 20_000), "bomb.png") == [
        "This photo is 400 megapixels; the limit is 50."
    ]


def test_a_photo_just_over_the_pixel_limit_is_refused_too():
    """Below twice Pillow's limit its guard only warns: that must refuse the photo as well."""
    assert refusal(png_header_only(8_000, 7_500)) == ["This photo is 60 megapixels; the limit is 50."]
    assert refusal(png_header_only(7_072, 7_072)) == ["This photo is 50.1 megapixels; the limit is 50."]


def test_the_pixel_limit_lets_a_48_megapixel_phone_photo_through_to_decoding():
    assert refusal(png_header_only(8_064, 6_048)) == [DAMAGED]  # past the header check; its pixels are fake


def test_a_photo_over_the_pixel_limit_is_refused_even_where_warnings_are_ignored():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert refusal(png_header_only(8_000, 7_500)) == ["This photo is 60 megapixels; the limit is 50."]


def test_a_higher_pixel_limit_raises_pillows_own_guard_with_it(photo_limits):
    """Pillow's default guard stops at 89 megapixels; a newsroom may allow more."""
    photo_limits.PHOTO_MAX_PIXELS = 200_000_000
    assert refusal(png_header_only(12_000, 10_000)) == [DAMAGED]  # past the header check at 120 megapixels
    assert refusal(png_header_only(20_000, 20_000)) == ["This photo is 400 megapixels; the limit is 200."]


def test_pillows_decompression_bomb_warning_never_escapes_in_production():
    """Outside pytest (which makes every RuntimeWarning an error) a warning would only be logged."""
    code = (
        "import io, sys, django; django.setup()\n"
        "from django.core.exceptions import ValidationError\n"
        "from blog import photos\n"
        "try:\n"
        "    photos.process(io.BytesIO(sys.stdin.buffer.read()))\n"
        "except ValidationError as error:\n"
        "    print(error.messages[0])\n"
    )
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "liveblog.settings", "ENV_FILE": os.devnull,
           "SECRET_KEY": A_REAL_KEY, "SITE_URL": "https://live.example.com"}  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-W", "default", "-c", code],
        input=png_header_only(8_000, 7_500),
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert run.stdout.decode().strip() == "This photo is 60 megapixels; the limit is 50."
    assert "Warning" not in run.stderr.decode()


def test_a_30_mb_upload_is_refused_before_it_is_read():
    class Unread(io.BytesIO):
        size = 30_000_000

        def read(self, *args):
            raise AssertionError("read a file over the limit")

    with pytest.raises(ValidationError) as refused:
        photos.process(Unread())
    assert refused.value.messages == ["This file is 30 MB; the limit is 25 MB."]


def test_a_30_mb_upload_reaches_the_form_streamed_to_disk_and_gets_the_size_error():
    """Django reads it whole (no 400 for a big request), into a temporary file, not memory."""
    big = b"\xff\xd8\xff\xe0" + bytes(30_000_000 - 4)
    request = RequestFactory().post("/", {"alt": "The stage", "file": upload(big, "stage.jpg")})
    assert request.POST["alt"] == "The stage"
    received = request.FILES["file"]
    assert isinstance(received, TemporaryUploadedFile)
    with pytest.raises(ValidationError) as refused:
        photos.process(received)
    assert refused.value.messages == ["This file is 30 MB; the limit is 25 MB."]


def test_the_limits_and_their_messages_follow_the_settings(photo_limits):
    photo_limits.PHOTO_MAX_UPLOAD_BYTES = 2_500_000
    photo_limits.PHOTO_MAX_PIXELS = 12_000_000
    assert refusal(bytes(2_500_001)) == ["This file is 2.6 MB; the limit is 2.5 MB."]
    assert refusal(png_header_only(4_000, 3_001)) == ["This photo is 12.1 megapixels; the limit is 12."]
    assert (
        photos.upload_help_text() == "A photo: JPEG, PNG, WebP, GIF or HEIC, up to 2.5 MB and 12 megapixels."
    )


def test_the_default_limits_are_25_mb_and_50_megapixels():
    result = read_setting("settings.PHOTO_MAX_UPLOAD_BYTES, settings.PHOTO_MAX_PIXELS", SECRET_KEY=A_REAL_KEY)
    assert result.stdout.split() == ["25000000", "50000000"], result.stderr


def test_an_svg_with_a_script_is_refused():
    svg = (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">'
        b'<rect width="400" height="300" fill="teal"/><script>alert(document.cookie)</script></svg>'
    )
    assert refusal(svg, "slide.svg") == [NOT_A_PHOTO]


def test_a_pdf_is_refused():
    pdf = encode(Image.new("RGB", (200, 100), "teal"), "PDF")  # a PDF that holds a picture is still a PDF
    assert refusal(pdf, "slides.pdf") == [NOT_A_PHOTO]


@pytest.mark.parametrize("format", ["BMP", "TIFF", "PPM", "ICO"])
def test_other_image_formats_are_refused(format):
    """Only the accepted formats' parsers ever see an upload."""
    assert refusal(encode(Image.new("RGB", (64, 48), "teal"), format)) == [NOT_A_PHOTO]


@pytest.mark.parametrize("format", ["JPEG", "PNG"])
def test_an_image_that_is_also_html_and_a_zip_is_stored_as_new_pixels_only(format):
    html_inside = {"JPEG": {"comment": HOSTILE_HTML}, "PNG": {"pnginfo": PngImagePlugin.PngInfo()}}[format]
    if format == "PNG":
        html_inside["pnginfo"].add_text("Comment", HOSTILE_HTML.decode())
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zip_file:
        zip_file.writestr("index.html", HOSTILE_HTML)
    polyglot = encode(two_colours(), format, **html_inside) + archive.getvalue()
    assert Image.open(io.BytesIO(polyglot)).format == format
    assert zipfile.ZipFile(io.BytesIO(polyglot)).read("index.html") == HOSTILE_HTML
    assert polyglot.count(b"<script>") == 2, "in the image's own metadata and in the archive"

    processed = photos.process(upload(polyglot))

    for variant in processed.variants:
        assert webp_chunks(variant.data) == [b"VP8 "]
        for trace in (b"<script", b"<html", b"alert", b"index.html", b"PK\x03\x04", b"PK\x05\x06"):
            assert trace not in variant.data


def test_a_jpeg_with_gps_exif_is_accepted_and_every_byte_of_metadata_is_dropped():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 15"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 7.0),
    }
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description exif:GPSLatitude="48,51.4N"/></x:xmpmeta>'
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = encode(
        Image.effect_noise((1000, 600), 30).convert("RGB"), "JPEG", exif=exif, xmp=xmp, icc_profile=srgb
    )
    with Image.open(io.BytesIO(source)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
        assert {"exif", "xmp", "icc_profile"} <= set(original.info)

    storage = InMemoryStorage()
    stored = photos.save(photos.process(upload(source)), storage)

    assert len(stored) == 2
    for variant in stored:
        with storage.open(variant["name"]) as file:
            data = file.read()
        assert set(webp_chunks(data)) <= PIXEL_CHUNKS
        for trace in (b"Exif", b"PhoneMaker", b"xmpmeta", b"GPS", b"ICCP"):
            assert trace not in data
        with Image.open(io.BytesIO(data)) as image:
            assert not image.getexif()
            assert not {"exif", "xmp", "icc_profile"} & set(image.info)


# Accepted formats, decided by content ------------------------------------------------------------


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP", "GIF", "HEIF"])
def test_each_accepted_format_becomes_webp_variants(format):
    source = encode(two_colours(1200, 600), format)
    processed = photos.process(upload(source, "IMG_0042.bin"))
    assert [(v.width, v.height) for v in processed.variants] == [(480, 240), (960, 480), (1200, 600)]
    assert (processed.width, processed.height) == (1200, 600)
    for variant in processed.variants:
        with opened(variant) as image:
            assert image.format == "WEBP"
            assert image.getpixel((image.width // 4, image.height // 2))[:3] == pytest.approx(
                (0, 0, 255), abs=8
            )


def test_the_format_comes_from_the_content_not_the_name():
    png = encode(two_colours(), "PNG")
    assert photos.process(upload(png, "photo.gif")).variants[0].width == 480


def test_an_animated_gif_keeps_its_first_frame_only():
    red, blue = Image.new("RGB", (500, 300), (255, 0, 0)), Image.new("RGB", (500, 300), (0, 0, 255))
    animated = encode(red, "GIF", save_all=True, append_images=[blue], duration=200, loop=0)
    (variant,) = photos.process(upload(animated)).variants
    assert webp_chunks(variant.data) == [b"VP8 "]  # a still image, no ANIM or ANMF frames
    with opened(variant) as image:
        assert image.getpixel((10, 10)) == pytest.approx((255, 0, 0), abs=8)


# Modes and colours -------------------------------------------------------------------------------


def test_a_cmyk_jpeg_comes_out_in_rgb():
    cyan = Image.new("CMYK", (500, 300), (255, 0, 0, 0))
    (variant,) = photos.process(upload(encode(cyan, "JPEG"))).variants
    with opened(variant) as image:
        assert image.mode == "RGB"
        assert image.getpixel((10, 10)) == pytest.approx((0, 255, 255), abs=8)


def test_a_palette_png_keeps_its_transparency():
    palette = Image.new("P", (500, 300), 0)
    palette.putpalette([0, 0, 0, 20, 160, 60])
    palette.paste(1, (250, 0, 500, 300))
    (variant,) = photos.process(upload(encode(palette, "PNG", transparency=0))).variants
    assert b"ALPH" in webp_chunks(variant.data)
    with opened(variant) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((10, 10))[3] == 0
        assert image.getpixel((470, 10)) == pytest.approx((20, 160, 60, 255), abs=8)


def test_a_grey_png_with_an_alpha_channel_keeps_it():
    grey = Image.new("LA", (500, 300), (120, 255))
    grey.paste((120, 0), (0, 0, 100, 300))
    (variant,) = photos.process(upload(encode(grey, "PNG"))).variants
    with opened(variant) as image:
        assert image.getpixel((10, 10))[3] == 0
        assert image.getpixel((400, 10)) == pytest.approx((120, 120, 120, 255), abs=8)


def test_a_16_bit_png_is_scaled_to_8_bits_not_clipped_to_white():
    deep = Image.new("I;16", (500, 300))
    deep.putdata([40_000] * (500 * 300))  # 61% grey
    (variant,) = photos.process(upload(encode(deep, "PNG"))).variants
    with opened(variant) as image:
        assert image.getpixel((10, 10)) == pytest.approx((156, 156, 156), abs=4)


def test_an_opaque_alpha_channel_is_not_stored():
    opaque = Image.new("RGBA", (500, 300), (10, 20, 30, 255))
    (variant,) = photos.process(upload(encode(opaque, "PNG"))).variants
    assert webp_chunks(variant.data) == [b"VP8 "]


def test_colours_are_converted_to_srgb_by_the_photos_icc_profile():
    """A profile whose red primary is sRGB's blue: converted, the photo's red is blue; ignored, red."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack(">I", profile[128:132])
    tags = {bytes(profile[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i for i in range(count)}
    red, blue = tags[b"rXYZ"] + 4, tags[b"bXYZ"] + 4  # each tag's offset and size
    profile[red : red + 8], profile[blue : blue + 8] = profile[blue : blue + 8], profile[red : red + 8]
    source = encode(Image.new("RGB", (500, 300), (255, 0, 0)), "PNG", icc_profile=bytes(profile))

    (variant,) = photos.process(upload(source)).variants

    assert webp_chunks(variant.data) == [b"VP8 "]
    with opened(variant) as image:
        assert image.getpixel((10, 10)) == pytest.approx((0, 0, 255), abs=8)


def test_a_broken_icc_profile_does_not_refuse_the_photo():
    source = encode(Image.new("RGB", (500, 300), (255, 0, 0)), "PNG", icc_profile=b"not a profile" * 20)
    (variant,) = photos.process(upload(source)).variants
    with opened(variant) as image:
        assert image.getpixel((10, 10)) == pytest.approx((255, 0, 0), abs=8)


# Orientation and widths --------------------------------------------------------------------------


def test_the_exif_orientation_is_applied_so_a_turned_photo_comes_out_upright():
    """Stored lying down with orientation 6 (turn a quarter clockwise), as phones do."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    lying = two_colours(3200, 1600)  # blue on the left: once upright, blue on top
    processed = photos.process(upload(encode(lying, "JPEG", exif=exif)))
    assert [(v.width, v.height) for v in processed.variants] == [(480, 960), (960, 1920), (1600, 3200)]
    with opened(processed.variants[-1]) as image:
        assert image.getpixel((800, 100)) == pytest.approx((0, 0, 255), abs=8)
        assert image.getpixel((800, 3100)) == pytest.approx((255, 0, 0), abs=8)


def test_a_big_turned_jpeg_is_decoded_straight_at_half_size(monkeypatch):
    """libjpeg scales while decoding: less time and memory, and still no variant is enlarged."""
    decoded = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(image, mode, size):
        result = draft(image, mode, size)
        decoded.append(image.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    lying = two_colours(4800, 3400)  # upright, 3400 wide
    processed = photos.process(upload(encode(lying, "JPEG", exif=exif)))
    assert decoded == [(2400, 1700)]
    assert (processed.width, processed.height) == (1600, 2259)


def test_a_heic_from_a_phone_is_turned_upright_once():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    # As bytes: pillow-heif then stores the turn as the container's own rotation, as iPhones do.
    processed = photos.process(upload(encode(two_colours(), "HEIF", exif=exif.tobytes()), "IMG_0042.HEIC"))
    (variant,) = processed.variants
    assert (variant.width, variant.height) == (300, 600)
    with opened(variant) as image:
        assert image.getpixel((150, 100)) == pytest.approx((0, 0, 255), abs=12)


@pytest.mark.parametrize(
    ("width", "widths"),
    [(300, [300]), (480, [480]), (1000, [480, 960]), (1200, [480, 960, 1200]), (1600, [480, 960, 1600]),
     (3000, [480, 960, 1600])],
)  # fmt: skip
def test_variants_are_made_at_the_widths_up_to_the_photos_own_never_enlarged(width, widths):
    """A photo between two widths keeps its own width, unless it is within a fifth of the one below."""
    processed = photos.process(upload(encode(Image.new("RGB", (width, width // 2), "teal"), "JPEG")))
    assert [v.width for v in processed.variants] == widths
    assert [v.height for v in processed.variants] == [w // 2 for w in widths]
    assert processed.width == widths[-1]


# Names, storing and deleting ---------------------------------------------------------------------


def test_names_are_hashes_of_the_content_one_per_width():
    source = encode(two_colours(1200, 600), "JPEG")
    processed = photos.process(upload(source))
    again = photos.process(upload(source, "another name.jpg"))
    other = photos.process(upload(encode(two_colours(1200, 601), "JPEG")))
    assert processed.digest == again.digest != other.digest
    assert re.fullmatch(r"[0-9a-f]{64}", processed.digest)
    name = photos.variant_name(processed.digest, 960)
    assert name == f"photos/{processed.digest[:2]}/{processed.digest}-960.webp"


def test_a_new_way_of_making_variants_gives_new_names(monkeypatch):
    source = encode(two_colours(), "JPEG")
    before = photos.process(upload(source)).digest
    monkeypatch.setattr(photos, "RECIPE", photos.RECIPE + b" sharper")
    assert photos.process(upload(source)).digest != before


class CountingStorage(InMemoryStorage):
    def __init__(self):
        super().__init__()
        self.writes = []

    def _save(self, name, content):
        self.writes.append(name)
        return super()._save(name, content)


def test_save_stores_each_variant_once_and_returns_them_smallest_first():
    processed = photos.process(upload(encode(two_colours(2000, 1000), "JPEG")))
    storage = CountingStorage()

    stored = photos.save(processed, storage)
    assert photos.save(processed, storage) == stored

    names = [photos.variant_name(processed.digest, w) for w in (480, 960, 1600)]
    assert stored == [
        {"name": names[0], "width": 480, "height": 240},
        {"name": names[1], "width": 960, "height": 480},
        {"name": names[2], "width": 1600, "height": 800},
    ]
    assert storage.writes == names
    for variant, entry in zip(processed.variants, stored, strict=True):
        with storage.open(entry["name"]) as file:
            assert file.read() == variant.data


def test_save_keeps_one_copy_of_a_photo_another_request_stored_meanwhile(tmp_path):
    class Racing(FileSystemStorage):
        asked = set()

        def exists(self, name):
            """Not there at first look, as if the other request wrote it just after."""
            first_look = name not in self.asked
            self.asked.add(name)
            return not first_look and super().exists(name)

    processed = photos.process(upload(encode(two_colours(), "JPEG")))
    photos.save(processed, FileSystemStorage(tmp_path))
    stored = photos.save(processed, Racing(tmp_path))
    stored_names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.webp"))
    assert stored_names == sorted(variant["name"] for variant in stored), "one copy of each, no renamed twin"


def test_save_and_delete_use_the_default_storage_unless_told(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    stored = photos.save(photos.process(upload(encode(two_colours(1000, 500), "JPEG"))))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.webp")) == [
        entry["name"] for entry in stored
    ]
    photos.delete(stored)
    assert list(tmp_path.rglob("*.webp")) == []


def test_delete_removes_the_named_files_and_files_already_gone_are_fine(tmp_path):
    storage = FileSystemStorage(tmp_path)
    stored = photos.save(photos.process(upload(encode(two_colours(1000, 500), "JPEG"))), storage)
    (tmp_path / stored[0]["name"]).unlink()

    photos.delete(stored, storage)
    photos.delete([entry["name"] for entry in stored], storage)  # plain names work too

    assert list(tmp_path.rglob("*.webp")) == []
