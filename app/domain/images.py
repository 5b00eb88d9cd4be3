"""Photos as Sigap keeps them: a JPEG, PNG or WebP is recognised by its first bytes and rewritten
without what a phone adds beside the picture (EXIF with the GPS position and camera serial, XMP,
comments, text chunks, timestamps), keeping only what is needed to draw it. Pure functions on
bytes: no decoder, no disk; a file whose structure does not parse is refused, never passed on."""
from __future__ import annotations

import struct

JPEG, PNG, WEBP = "image/jpeg", "image/png", "image/webp"
CONTENT_TYPES = (JPEG, PNG, WEBP)
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ImageError(ValueError):
    """The bytes are not a photo Sigap can keep."""


class UnsupportedImage(ImageError):
    """Not a JPEG, PNG or WebP at all (by its first bytes)."""


class DamagedImage(ImageError):
    """Starts like a photo but its structure is broken or truncated."""


def sniff(data: bytes) -> str | None:
    """The content type by magic bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(PNG_SIGNATURE):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def strip_metadata(data: bytes) -> tuple[str, bytes]:
    """(content type, the photo without metadata); UnsupportedImage or DamagedImage otherwise."""
    content_type = sniff(data)
    if content_type is None:
        raise UnsupportedImage("not a JPEG, PNG or WebP image")
    cleaner = {JPEG: _strip_jpeg, PNG: _strip_png, WEBP: _strip_webp}[content_type]
    return content_type, cleaner(data)


# --- JPEG -------------------------------------------------------------------------------------------
# Markers without a length field; everything else from FFC0 up carries a 2-byte big-endian length.
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_SOF = {*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC}  # frame headers (not DHT, JPG, DAC)
_APP0, _APP1, _APP14, _COM, _SOS, _EOI = 0xE0, 0xE1, 0xEE, 0xFE, 0xDA, 0xD9
_ORIENTATION_TAG = 0x0112


def _strip_jpeg(data: bytes) -> bytes:
    """Keep SOI, the JFIF header of APP0 (not its thumbnail), Adobe's APP14 header (it says how to
    decode the colours), the tables, frame and scans, and EOI; drop every other APPn segment, COM,
    and anything after EOI (phones append previews and videos there). The EXIF orientation alone is
    kept, in a rebuilt APP1, so the photo stays upright."""
    out = bytearray(data[:2])
    i, n = 2, len(data)
    seen_frame = seen_scan = False
    while True:
        if i >= n or data[i] != 0xFF:
            raise DamagedImage("the JPEG is truncated or has no end marker")
        while i < n and data[i] == 0xFF:  # fill bytes before a marker
            i += 1
        if i >= n:
            raise DamagedImage("the JPEG is truncated")
        marker = data[i]
        i += 1
        if marker == _EOI:
            if not (seen_frame and seen_scan):
                raise DamagedImage("the JPEG holds no image")
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _STANDALONE:
            out += bytes((0xFF, marker))
            continue
        if marker in (0x00, 0xD8):
            raise DamagedImage("the JPEG has a marker out of place")
        if i + 2 > n:
            raise DamagedImage("the JPEG is truncated")
        length = int.from_bytes(data[i:i + 2], "big")
        if length < 2 or i + length > n:
            raise DamagedImage("a JPEG segment runs past the end of the file")
        payload = data[i + 2:i + length]
        i += length
        seen_frame |= marker in _SOF
        if marker == _APP1:
            orientation = _exif_orientation(payload)
            if orientation not in (None, 1):
                out += _segment(_APP1, _minimal_exif(orientation))
        elif marker == _APP0 and payload.startswith(b"JFIF\x00") and len(payload) >= 14:
            out += _segment(marker, payload[:12] + b"\x00\x00")  # JFIF without its thumbnail
        elif marker == _APP14 and payload.startswith(b"Adobe") and len(payload) >= 12:
            out += _segment(marker, payload[:12])
        elif not (0xE0 <= marker <= 0xEF or marker == _COM):
            out += _segment(marker, payload)
        if marker == _SOS:
            if not seen_frame:
                raise DamagedImage("the JPEG has a scan before its frame header")
            seen_scan = True
            start = i
            i = _end_of_entropy_data(data, i)
            out += data[start:i]


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def _end_of_entropy_data(data: bytes, i: int) -> int:
    """Index of the marker that ends a scan's compressed data (FF00 is an escaped byte, FFD0-FFD7
    restart markers belong to the scan)."""
    n = len(data)
    while True:
        j = data.find(b"\xff", i)
        if j < 0 or j + 1 >= n:
            raise DamagedImage("the JPEG image data is truncated")
        following = data[j + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            i = j + 2
        elif following == 0xFF:
            i = j + 1
        else:
            return j


def _exif_orientation(payload: bytes) -> int | None:
    """The Orientation tag (1-8) of IFD0 in an EXIF APP1 payload, or None."""
    if not payload.startswith(b"Exif\x00\x00") or len(payload) < 14:
        return None
    tiff = payload[6:]
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        return None
    try:
        (ifd,) = struct.unpack_from(order + "I", tiff, 4)
        (count,) = struct.unpack_from(order + "H", tiff, ifd)
        for k in range(count):
            tag, kind, _count = struct.unpack_from(order + "HHI", tiff, ifd + 2 + 12 * k)
            if tag == _ORIENTATION_TAG and kind == 3:
                (value,) = struct.unpack_from(order + "H", tiff, ifd + 2 + 12 * k + 8)
                return value if 1 <= value <= 8 else None
    except struct.error:
        return None
    return None


def _minimal_exif(orientation: int) -> bytes:
    """An EXIF payload with one tag, Orientation, in IFD0 (big-endian TIFF)."""
    return (b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1)
            + struct.pack(">HHIH2x", _ORIENTATION_TAG, 3, 1, orientation) + struct.pack(">I", 0))


# --- PNG --------------------------------------------------------------------------------------------
# Chunks needed to draw the picture (PNG 3rd edition, with APNG); text, eXIf, tIME and any private
# chunk are dropped.
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
             b"bKGD", b"hIST", b"pHYs", b"sPLT", b"cICP", b"mDCv", b"cLLi", b"acTL", b"fcTL", b"fdAT"}


def _strip_png(data: bytes) -> bytes:
    out = bytearray(PNG_SIGNATURE)
    i, n = len(PNG_SIGNATURE), len(data)
    first = True
    while True:
        if i + 12 > n:
            raise DamagedImage("the PNG is truncated or has no IEND chunk")
        length = int.from_bytes(data[i:i + 4], "big")
        kind = data[i + 4:i + 8]
        end = i + 12 + length
        if end > n or not kind.isalpha():
            raise DamagedImage("a PNG chunk runs past the end of the file")
        if first and kind != b"IHDR":
            raise DamagedImage("the PNG does not start with its header")
        first = False
        if kind in _PNG_KEEP:
            out += data[i:end]
        elif kind[:1].isupper():  # a critical chunk this reader does not know: the picture needs it
            raise DamagedImage(f"the PNG uses a chunk Sigap does not keep ({kind.decode('ascii')})")
        i = end
        if kind == b"IEND":
            return bytes(out)


# --- WebP -------------------------------------------------------------------------------------------
_WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_WEBP_IMAGE = {b"VP8 ", b"VP8L", b"ANMF"}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _strip_webp(data: bytes) -> bytes:
    size = int.from_bytes(data[4:8], "little")
    if size < 4 or 8 + size > len(data):
        raise DamagedImage("the WebP file is truncated")
    body = bytearray()
    i, end = 12, 8 + size
    has_image = False
    while i < end:
        if i + 8 > end:
            raise DamagedImage("a WebP chunk runs past the end of the file")
        kind = data[i:i + 4]
        length = int.from_bytes(data[i + 4:i + 8], "little")
        stop = i + 8 + length + (length & 1)
        if i + 8 + length > end:
            raise DamagedImage("a WebP chunk runs past the end of the file")
        chunk = bytearray(data[i:min(stop, end)])
        chunk += b"\x00" * (stop - i - len(chunk))  # a missing pad byte at the very end
        if kind == b"VP8X" and length >= 1:
            chunk[8] &= ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
        if kind in _WEBP_KEEP:
            body += chunk
        has_image |= kind in _WEBP_IMAGE
        i = stop
    if not has_image:
        raise DamagedImage("the WebP file holds no image")
    return b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + bytes(body)
