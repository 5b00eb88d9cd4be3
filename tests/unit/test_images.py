"""Photos lose what a phone adds beside the picture (GPS position, camera serial, comments, text
chunks) and keep the picture itself; what is not a well-formed photo is refused."""
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import images
from tests.images import CAMERA_SERIAL, SCAN, exif_with_gps, jpeg, png, webp


def _gps_rationals() -> bytes:
    return b"".join(struct.pack("<II", v, 1) for v in (8, 13, 5))


def test_a_jpegs_exif_with_gps_and_its_comment_are_removed_and_the_picture_kept():
    original = jpeg(exif=exif_with_gps(orientation=1), comment=b"Rumah Pak Slamet, Jl. Mawar 3")
    content_type, clean = images.strip_metadata(original)
    assert content_type == "image/jpeg"
    assert _gps_rationals() in original and _gps_rationals() not in clean
    assert CAMERA_SERIAL not in clean and b"Exif" not in clean and b"Mawar" not in clean
    assert clean.startswith(b"\xff\xd8\xff\xe0") and clean.endswith(SCAN + b"\xff\xd9")
    assert clean == jpeg()  # exactly the same photo as one taken without metadata


def test_a_jpegs_orientation_survives_alone_so_the_photo_stays_upright():
    _type, clean = images.strip_metadata(jpeg(exif=exif_with_gps(orientation=6)))
    assert b"Exif" in clean and CAMERA_SERIAL not in clean and _gps_rationals() not in clean
    assert images._exif_orientation(clean[clean.index(b"Exif"):clean.index(b"Exif") + 40]) == 6


def test_whatever_a_phone_appends_after_the_jpegs_end_is_dropped():
    _type, clean = images.strip_metadata(jpeg(trailer=b"\x00\x00\x00\x18ftypmp42 motion photo video"))
    assert clean == jpeg()


def test_a_jfif_thumbnail_is_dropped_with_the_other_extras():
    thumbnail = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x02\x01" + b"\xaa\xbb\xcc" * 2
    original = jpeg().replace(b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", thumbnail, 1)
    original = original[:4] + struct.pack(">H", len(thumbnail) + 2) + original[6:]
    assert images.strip_metadata(original)[1] == jpeg()


def test_a_pngs_text_and_time_chunks_are_removed():
    original = png({b"Comment": b"Rumah Pak Slamet", b"GPS": b"-8.218,114.369"})
    content_type, clean = images.strip_metadata(original)
    assert content_type == "image/png"
    assert b"tEXt" in original and b"tEXt" not in clean and b"tIME" not in clean and b"Slamet" not in clean
    assert clean == png()


def test_a_webps_exif_and_xmp_are_removed_and_its_flags_cleared():
    original = webp(exif=exif_with_gps(), xmp=b"<x:xmpmeta>GPS -8.218</x:xmpmeta>")
    content_type, clean = images.strip_metadata(original)
    assert content_type == "image/webp"
    assert b"EXIF" not in clean and b"XMP " not in clean and CAMERA_SERIAL not in clean
    assert clean == webp()
    assert struct.unpack("<I", clean[4:8])[0] == len(clean) - 8


@pytest.mark.parametrize("data", [b"", b"<html><script>alert(1)</script>", b"SQLite format 3\x00" + b"\x00" * 100,
                                  b"GIF89a\x01\x00\x01\x00", b"%PDF-1.7"])
def test_what_is_not_a_photo_is_unsupported(data):
    with pytest.raises(images.UnsupportedImage):
        images.strip_metadata(data)


@pytest.mark.parametrize("data", [
    b"\xff\xd8\xff\xe0" + b"0" * 64,  # a JPEG's first bytes, then anything
    jpeg()[:-40],  # cut off in the scan
    jpeg()[:-2],  # no end marker
    b"\xff\xd8\xff\xd9",  # no image at all
    png()[:-12],  # no IEND
    png().replace(b"IHDR", b"IHDX"),  # no header first
    b"RIFF\xff\xff\xff\x00WEBPVP8L",  # claims more than it holds
])
def test_a_damaged_or_disguised_photo_is_refused(data):
    with pytest.raises(images.DamagedImage):
        images.strip_metadata(data)


@settings(max_examples=300, deadline=None)
@given(head=st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x20\x00\x00\x00WEBP", b""]),
       body=st.binary(max_size=300), seed=st.sampled_from([jpeg(exif=exif_with_gps()), png({b"a": b"b"}), webp(b"x")]),
       cut=st.integers(min_value=0, max_value=400))
def test_any_bytes_are_either_cleaned_for_good_or_refused_never_a_crash(head, body, seed, cut):
    for data in (head + body, seed[:cut] + body, seed[:cut]):
        try:
            content_type, clean = images.strip_metadata(data)
        except images.ImageError:
            continue
        assert images.strip_metadata(clean) == (content_type, clean)  # nothing left to remove
        assert CAMERA_SERIAL not in clean
