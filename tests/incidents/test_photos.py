"""clean_photo: limits before decoding, EXIF read then dropped, orientation, sizes, formats."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from backend.incidents.photos import PhotoRejected, clean_photo
from tests.mobile_api.images import (
    SAIGON,
    exif_with,
    heic_bytes,
    jpeg_bytes,
    png_bomb_bytes,
    png_bytes,
    webp_bytes,
)


def clean(data: bytes) -> Any:
    return clean_photo(io.BytesIO(data))


def assert_no_metadata(data: bytes) -> None:
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG"
    assert not im.getexif()
    assert "exif" not in im.info and "icc_profile" not in im.info
    assert "comment" not in im.info and "xmp" not in im.info
    assert b"Exif" not in data and b"xmpmeta" not in data and b"ICC_PROFILE" not in data
    assert b"secret" not in data
    assert all(marker not in data for marker in (b"\xff\xfe",)), "JPEG COM segment"


def test_jpeg_gps_and_time_are_read_then_stripped_from_both_copies() -> None:
    photo = clean(jpeg_bytes(exif=exif_with(gps=SAIGON), metadata=True))
    assert photo.gps is not None
    lon, lat = photo.gps
    assert (round(lon, 4), round(lat, 4)) == SAIGON
    assert photo.taken_at.isoformat() == "2026-03-01T08:30:00+07:00"
    assert_no_metadata(photo.display)
    assert_no_metadata(photo.thumbnail)
    assert len(photo.sha256) == 64


def test_exif_orientation_is_applied() -> None:
    photo = clean(jpeg_bytes(size=(800, 600), exif=exif_with(orientation=6)))
    assert (photo.width, photo.height) == (600, 800)  # rotated 90° to portrait
    im = Image.open(io.BytesIO(photo.display)).convert("RGB")
    top, bottom = im.getpixel((300, 50)), im.getpixel((300, 750))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]  # left half (red) is now on top


def test_display_and_thumbnail_sizes() -> None:
    photo = clean(jpeg_bytes(size=(4000, 3000)))
    assert (photo.width, photo.height) == (1600, 1200)
    thumb = Image.open(io.BytesIO(photo.thumbnail))
    assert max(thumb.size) == 320


@pytest.mark.parametrize("data", [png_bytes(), png_bytes(alpha=False), webp_bytes()])
def test_png_and_webp_are_accepted_and_re_encoded_as_jpeg(data: bytes) -> None:
    photo = clean(data)
    assert (photo.width, photo.height) == (640, 480) and photo.gps is None
    assert_no_metadata(photo.display)


def test_heic_with_gps() -> None:
    photo = clean(heic_bytes(exif=exif_with(gps=SAIGON)))
    assert photo.gps is not None and round(photo.gps[1], 4) == SAIGON[1]
    assert_no_metadata(photo.display)


def test_png_header_claiming_30000_by_30000_is_rejected_before_decoding() -> None:
    with pytest.raises(PhotoRejected) as info:
        clean(png_bomb_bytes(30000, 30000))
    assert info.value.code == "photo_too_many_pixels"


def test_pixel_limit_applies_below_pillows_own_bomb_threshold(settings: Any) -> None:
    settings.PHOTO_MAX_PIXELS = 1_000_000
    with pytest.raises(PhotoRejected) as info:
        clean(png_bomb_bytes(2000, 1000))
    assert info.value.code == "photo_too_many_pixels"


def test_truncated_jpeg_is_rejected() -> None:
    data = jpeg_bytes(size=(800, 600))
    with pytest.raises(PhotoRejected) as info:
        clean(data[: len(data) // 2])
    assert info.value.code == "photo_corrupt"


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, renamed to photo.jpg\n" * 20,
        b"%PDF-1.7\n" + b"0" * 100,
        b"GIF89a" + b"\0" * 50,
    ],
)
def test_non_images_are_rejected(data: bytes) -> None:
    with pytest.raises(PhotoRejected) as info:
        clean(data)
    assert info.value.code == "photo_unsupported"


def test_byte_limit(settings: Any) -> None:
    settings.PHOTO_MAX_BYTES = 10_000
    with pytest.raises(PhotoRejected) as info:
        clean(jpeg_bytes(size=(1200, 900), quality=100) + b"\0" * 10_000)
    assert (info.value.code, info.value.status_code) == ("photo_too_large", 413)


def test_empty_file_is_rejected() -> None:
    with pytest.raises(PhotoRejected) as info:
        clean(b"")
    assert info.value.code == "photo_empty"


def test_gps_at_null_island_is_ignored() -> None:
    assert clean(jpeg_bytes(exif=exif_with(gps=(0.0, 0.0)))).gps is None
