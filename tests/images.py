"""Small photos built byte by byte for the tests, shaped like a phone's: a JPEG with an EXIF block
holding a GPS position, a PNG with text chunks, a WebP with EXIF and XMP."""
from __future__ import annotations

import struct
import zlib

GPS_LATITUDE = (8, 13, 5)  # 8°13'05" S: Banyuwangi, where the officer stood
CAMERA_SERIAL = b"SN-4471-GPS-OFFICER"


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def exif_with_gps(orientation: int = 6) -> bytes:
    """An EXIF APP1 payload (little-endian TIFF): IFD0 with Orientation, a camera serial and a
    pointer to a GPS IFD with latitude and longitude."""
    entries0 = 3
    ifd0 = 8
    gps_ifd = ifd0 + 2 + 12 * entries0 + 4
    serial_at = gps_ifd + 2 + 12 * 2 + 4
    lat_at = serial_at + len(CAMERA_SERIAL) + 1
    lon_at = lat_at + 24
    tiff = bytearray(b"II*\x00" + struct.pack("<I", ifd0))
    tiff += struct.pack("<H", entries0)
    tiff += struct.pack("<HHIH2x", 0x0112, 3, 1, orientation)  # Orientation
    tiff += struct.pack("<HHII", 0xA431, 2, len(CAMERA_SERIAL) + 1, serial_at)  # BodySerialNumber
    tiff += struct.pack("<HHII", 0x8825, 4, 1, gps_ifd)  # GPSInfo
    tiff += struct.pack("<I", 0)
    tiff += struct.pack("<H", 2)
    tiff += struct.pack("<HHII", 0x0002, 5, 3, lat_at)  # GPSLatitude
    tiff += struct.pack("<HHII", 0x0004, 5, 3, lon_at)  # GPSLongitude
    tiff += struct.pack("<I", 0)
    tiff += CAMERA_SERIAL + b"\x00"
    tiff += b"".join(struct.pack("<II", v, 1) for v in GPS_LATITUDE)
    tiff += b"".join(struct.pack("<II", v, 1) for v in (114, 22, 9))
    return b"Exif\x00\x00" + bytes(tiff)


SCAN = b"\x12\x34\xff\x00\x56\xff\xd0\x78\x9a" * 8  # compressed data with an escaped FF and a restart marker


def jpeg(exif: bytes | None = None, comment: bytes | None = None, trailer: bytes = b"", padding: int = 0) -> bytes:
    """A baseline JPEG's structure: SOI, JFIF, [EXIF], [COM], DQT, SOF0, DHT, SOS + scan data, EOI."""
    parts = [b"\xff\xd8", _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    if exif is not None:
        parts.append(_segment(0xE1, exif))
    if comment is not None:
        parts.append(_segment(0xFE, comment))
    parts += [
        _segment(0xDB, b"\x00" + bytes(range(1, 65))),
        _segment(0xC0, b"\x08\x00\x10\x00\x10\x01\x01\x11\x00"),
        _segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"),
        _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        SCAN + b"\x11" * padding,
        b"\xff\xd9",
        trailer,
    ]
    return b"".join(parts)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(text: dict[bytes, bytes] | None = None) -> bytes:
    """A 1x1 grey PNG, with tEXt chunks (and a tIME) before the image data when `text` is given."""
    parts = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))]
    for key, value in (text or {}).items():
        parts.append(_chunk(b"tEXt", key + b"\x00" + value))
    if text:
        parts.append(_chunk(b"tIME", struct.pack(">HBBBBB", 2026, 11, 23, 9, 0, 0)))
    parts += [_chunk(b"IDAT", zlib.compress(b"\x00\x80")), _chunk(b"IEND", b"")]
    return b"".join(parts)


def webp(exif: bytes | None = None, xmp: bytes | None = None) -> bytes:
    """An extended WebP: VP8X (flags for EXIF/XMP), a VP8L image, then EXIF and XMP chunks."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return kind + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")

    flags = (0x08 if exif else 0) | (0x04 if xmp else 0)
    body = chunk(b"VP8X", bytes((flags, 0, 0, 0)) + b"\x00\x00\x00" + b"\x00\x00\x00")
    body += chunk(b"VP8L", b"\x2f\x00\x00\x00\x00\x07\x10\x11\x88\x88\xfe\x07\x00")
    if exif:
        body += chunk(b"EXIF", exif)
    if xmp:
        body += chunk(b"XMP ", xmp)
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body
