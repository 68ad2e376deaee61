"""Test photos made with Pillow: EXIF GPS/orientation, metadata to strip, broken files."""

from __future__ import annotations

import io
import struct
import zlib

import pillow_heif
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

pillow_heif.register_heif_opener()

SAIGON = (106.7009, 10.7769)  # (lon, lat) in Phường Sài Gòn
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF></rdf:RDF></x:xmpmeta>'


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (float(degrees), float(minutes), seconds)


def exif_with(
    gps: tuple[float, float] | None = SAIGON,
    orientation: int | None = None,
    taken: str | None = "2026:03:01 08:30:00",
) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif[0x8769] = {0x9003: taken}
    if gps:
        lon, lat = gps
        exif[0x8825] = {
            1: "N" if lat >= 0 else "S",
            2: _dms(lat),
            3: "E" if lon >= 0 else "W",
            4: _dms(lon),
        }
    return exif


def picture(size: tuple[int, int] = (800, 600), mode: str = "RGB") -> Image.Image:
    """A non-uniform picture (left half red, right half blue) so orientation can be checked."""
    im = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 255))
    right = Image.new(
        mode, (size[0] // 2, size[1]), (30, 30, 200) if mode == "RGB" else (30, 30, 200, 255)
    )
    im.paste(right, (size[0] // 2, 0))
    return im


def jpeg_bytes(
    size: tuple[int, int] = (800, 600),
    exif: Image.Exif | None = None,
    metadata: bool = False,
    quality: int = 90,
) -> bytes:
    buffer = io.BytesIO()
    extra: dict[str, object] = {}
    if exif is not None:
        extra["exif"] = exif.tobytes()
    if metadata:
        extra["comment"] = b"secret comment"
        extra["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        extra["xmp"] = XMP
    picture(size).save(buffer, "JPEG", quality=quality, **extra)
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (640, 480), alpha: bool = True) -> bytes:
    buffer = io.BytesIO()
    picture(size, "RGBA" if alpha else "RGB").save(buffer, "PNG")
    return buffer.getvalue()


def webp_bytes(size: tuple[int, int] = (640, 480)) -> bytes:
    buffer = io.BytesIO()
    picture(size).save(buffer, "WEBP", quality=80)
    return buffer.getvalue()


def heic_bytes(size: tuple[int, int] = (640, 480), exif: Image.Exif | None = None) -> bytes:
    buffer = io.BytesIO()
    extra = {"exif": exif.tobytes()} if exif is not None else {}
    picture(size).save(buffer, "HEIF", quality=80, **extra)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb_bytes(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG whose header claims width × height pixels (hand-written chunks)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def upload(
    data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png16_gray_bytes(
    size: tuple[int, int] = (400, 300), levels: tuple[int, int] = (16384, 49152)
) -> bytes:
    """A 16-bit greyscale PNG (mode I;16): left half at levels[0], right half at levels[1]."""
    im = Image.new("I;16", size, levels[0])
    im.paste(Image.new("I;16", (size[0] // 2, size[1]), levels[1]), (size[0] // 2, 0))
    buffer = io.BytesIO()
    im.save(buffer, "PNG")
    return buffer.getvalue()


# D50-adapted colorants (ICC PCS) of two wide-gamut RGB spaces, with a plain gamma curve.
DISPLAY_P3 = (
    ((0.5151, 0.2412, -0.0011), (0.2920, 0.6922, 0.0419), (0.1571, 0.0666, 0.7841)),
    2.2,
)
ADOBE_RGB = (
    ((0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446)),
    563 / 256,
)


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def rgb_icc_profile(name: str, space: tuple[tuple[tuple[float, ...], ...], float]) -> bytes:
    """A minimal ICC v2 matrix/TRC RGB display profile, written byte by byte (ICC.1:2001-04)."""
    colorants, gamma = space
    xyz = lambda v: b"XYZ " + b"\0" * 4 + b"".join(_s15f16(c) for c in v)  # noqa: E731
    curve = b"curv" + b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">H", round(gamma * 256))
    text = name.encode("ascii") + b"\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text + b"\0" * 12 + b"\0" * 67
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(colorants[0])),
        (b"gXYZ", xyz(colorants[1])),
        (b"bXYZ", xyz(colorants[2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text" + b"\0" * 4 + b"test\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + bytes([2, 0x10, 0, 0])
        + b"mntr"
        + b"RGB "
        + b"XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"APPL"
        + b"\0" * 4
        + b"\0" * 8
        + b"\0" * 8
        + struct.pack(">I", 0)
        + _s15f16(0.9642)
        + _s15f16(1.0)
        + _s15f16(0.8249)
        + b"\0" * 4
    )
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + body


def tagged_jpeg_bytes(
    icc: bytes, colour: tuple[int, int, int], size: tuple[int, int] = (64, 48)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=95, icc_profile=icc)
    return buffer.getvalue()
