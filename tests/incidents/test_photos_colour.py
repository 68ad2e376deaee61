"""Colour of the clean copies: 16-bit greyscale scaled (not clipped), wide gamut → sRGB."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms

from backend.incidents.photos import clean_photo
from tests.mobile_api.images import (
    ADOBE_RGB,
    DISPLAY_P3,
    png16_gray_bytes,
    rgb_icc_profile,
    tagged_jpeg_bytes,
    upload,
)


def stored_pixels(data: bytes, name: str = "p.png") -> list[Image.Image]:
    clean = clean_photo(upload(data, name))
    return [
        Image.open(io.BytesIO(copy)).convert("RGB") for copy in (clean.display, clean.thumbnail)
    ]


def distance(a: object, b: tuple[int, ...]) -> int:
    assert isinstance(a, tuple)
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def test_16_bit_greyscale_png_is_scaled_not_clipped() -> None:
    for im in stored_pixels(png16_gray_bytes(levels=(16384, 49152))):
        width, height = im.size
        left = im.getpixel((width // 4, height // 2))
        right = im.getpixel((3 * width // 4, height // 2))
        assert isinstance(left, tuple) and isinstance(right, tuple)
        assert all(abs(v - 64) <= 3 for v in left), left  # 16384 / 65535 × 255
        assert all(abs(v - 191) <= 3 for v in right), right
        white = im.convert("L").point(lambda v: 255 if v >= 250 else 0).histogram()[255]
        assert white / (width * height) < 0.01


@pytest.mark.parametrize(("name", "space"), [("Display P3", DISPLAY_P3), ("Adobe RGB", ADOBE_RGB)])
def test_wide_gamut_photos_are_converted_to_srgb(name: str, space: tuple) -> None:
    icc = rgb_icc_profile(name, space)
    colour = (200, 30, 30)
    source = Image.new("RGB", (1, 1), colour)
    reference = ImageCms.profileToProfile(
        source, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB")
    )
    assert reference is not None
    expected = reference.getpixel((0, 0))
    assert isinstance(expected, tuple) and distance(expected, colour) > 15
    for im in stored_pixels(tagged_jpeg_bytes(icc, colour), "p.jpg"):
        got = im.getpixel((im.width // 2, im.height // 2))
        assert distance(got, expected) <= 6, (got, expected)


def test_srgb_tagged_photos_keep_their_numbers() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for im in stored_pixels(tagged_jpeg_bytes(srgb, (200, 30, 30)), "p.jpg"):
        got = im.getpixel((im.width // 2, im.height // 2))
        assert distance(got, (200, 30, 30)) <= 6
