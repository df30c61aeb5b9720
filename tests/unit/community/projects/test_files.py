"""File checks: the allowlist by content, download names, streamed limits, re-encoding."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from community.files.errors import FileTypeRefused, ImageTooLarge, QuotaExceeded, UploadTooLarge
from community.files.images import reencode
from community.files.intake import check_declared, receive
from community.files.names import clean_stem, download_name
from community.files.sniffing import ALLOWED, sniff
from tests.integration.projects.media import jpeg_with_gps, png_bytes


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (png_bytes(), "image/png"),
        (jpeg_with_gps(), "image/jpeg"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        (b"GIF89a" + b"\x00" * 20, "image/gif"),
        (b"<html><script>alert(1)</script></html>", None),
        (b"<?php echo 1; ?>", None),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', None),
        (b"MZ\x90\x00" + b"\x00" * 60, None),
        (b"PK\x03\x04" + b"\x00" * 60, None),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, None),
        (b"", None),
    ],
)
def test_sniff_by_content(head, mime):
    kind = sniff(head)
    assert (kind.mime if kind else None) == mime


def test_the_allowlist_has_no_scriptable_or_archive_types():
    for mime in ALLOWED:
        assert "svg" not in mime and "html" not in mime and "zip" not in mime


@pytest.mark.parametrize(
    ("raw", "stem"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("C:\\Users\\x\\photo.jpg", "photo"),
        ("a\x00b.png", "ab"),
        ("....", "file"),
        (".bashrc", "bashrc"),
        ("rapport final.v2.docx", "rapport final.v2"),
        ("\u202egnp.exe", "gnp"),
        ('x"; y=z.pdf', "x__ y=z"),
        ("é" * 300 + ".png", "é" * 100),
    ],
)
def test_clean_stem(raw, stem):
    assert clean_stem(raw) == stem


def test_download_name_takes_the_verified_extension():
    assert download_name("evil.php", "png") == "evil.png"


class Sink:
    def __init__(self):
        self.size_bytes = 0
        self.data = bytearray()

    async def write(self, chunk):
        self.data += chunk
        self.size_bytes += len(chunk)


class CountingStream:
    """Yields chunks and counts how many were pulled."""

    def __init__(self, chunks: int, size: int):
        self.pulled = 0
        self._chunks, self._size = chunks, size

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.pulled >= self._chunks:
            raise StopAsyncIteration
        self.pulled += 1
        return b"x" * self._size


async def test_the_stream_stops_at_the_first_chunk_past_the_limit():
    stream, sink = CountingStream(chunks=1000, size=1024), Sink()
    with pytest.raises(UploadTooLarge):
        await receive(stream, sink, max_bytes=10 * 1024, available_bytes=10**9)
    assert stream.pulled == 11
    assert sink.size_bytes == 10 * 1024


async def test_the_quota_stops_the_stream_too():
    stream, sink = CountingStream(chunks=1000, size=1024), Sink()
    with pytest.raises(QuotaExceeded):
        await receive(stream, sink, max_bytes=10**9, available_bytes=4 * 1024)
    assert stream.pulled == 5


async def test_a_stream_within_limits_is_kept_whole():
    stream, sink = CountingStream(chunks=4, size=1024), Sink()
    assert await receive(stream, sink, max_bytes=4096, available_bytes=4096) == 4096


@pytest.mark.parametrize(
    ("declared", "error"),
    [(None, None), (100, None), (101, UploadTooLarge), (60, None)],
)
def test_declared_length(declared, error):
    if error is None:
        check_declared(declared, max_bytes=100, available_bytes=100)
    else:
        with pytest.raises(error):
            check_declared(declared, max_bytes=100, available_bytes=100)
    with pytest.raises(QuotaExceeded):
        check_declared(60, max_bytes=100, available_bytes=50)


def test_reencoding_drops_exif_and_keeps_the_picture(tmp_path):
    source, target = tmp_path / "in", tmp_path / "out"
    source.write_bytes(jpeg_with_gps())
    kind = reencode(source, target, ALLOWED["image/jpeg"], max_pixels=10_000)
    assert kind.mime == "image/jpeg"
    image = Image.open(target)
    assert image.size == (16, 16)
    assert not image.getexif()
    assert b"Spy Camera" not in target.read_bytes()


def test_a_gif_becomes_a_png(tmp_path):
    buffer = io.BytesIO()
    Image.new("P", (4, 4)).save(buffer, format="GIF")
    source, target = tmp_path / "in", tmp_path / "out"
    source.write_bytes(buffer.getvalue())
    assert reencode(source, target, ALLOWED["image/gif"], max_pixels=100).mime == "image/png"
    assert Image.open(target).format == "PNG"


def test_too_many_pixels_is_refused_before_decoding(tmp_path):
    source = tmp_path / "in"
    source.write_bytes(png_bytes((200, 200)))
    with pytest.raises(ImageTooLarge):
        reencode(source, tmp_path / "out", ALLOWED["image/png"], max_pixels=100 * 100)
    assert not (tmp_path / "out").exists()


def test_a_truncated_image_is_refused(tmp_path):
    source = tmp_path / "in"
    source.write_bytes(png_bytes()[:40])
    with pytest.raises(FileTypeRefused):
        reencode(source, tmp_path / "out", ALLOWED["image/png"], max_pixels=10_000)
