"""Uploads: size and quota before the body is read, type by content, images
re-encoded without metadata, generated names, safe downloads."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from tests.integration.projects.media import jpeg_with_gps, png_bytes

MAX_UPLOAD = 64 * 1024
QUOTA = 160 * 1024


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(
        database={"url": database_url, "migrate_on_start": False},
        projects={"max_upload_bytes": MAX_UPLOAD, "project_quota_bytes": QUOTA},
    )


async def _folder(app_client, team) -> str:
    folders = await (
        await app_client.get(team.url("/folders"), headers=team.founder.headers)
    ).json()
    return folders["folders"][0]["id"]


async def _upload(app_client, team, data: bytes, name: str, actor=None):
    folder = await _folder(app_client, team)
    actor = actor or team.founder
    return await app_client.post(
        team.url(f"/folders/{folder}/materials"),
        params={"file_name": name},
        data=data,
        headers={**actor.headers, "Content-Type": "application/octet-stream"},
    )


async def _materials(app_client, team) -> list[dict]:
    listed = await (
        await app_client.get(team.url("/materials"), headers=team.founder.headers)
    ).json()
    return listed["items"]


def _blob_files(settings) -> list[Path]:
    root = Path(settings.data_dir) / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_a_png_is_kept_and_served_as_an_attachment(app_client, team, settings):
    response = await _upload(app_client, team, png_bytes(), "holiday photo.png")
    assert response.status == 201, await response.text()
    material = await response.json()
    assert material["content_type"] == "image/png"
    assert material["file_name"] == "holiday photo.png"
    download = await app_client.get(
        team.url(f"/materials/{material['id']}/content"), headers=team.pupil.headers
    )
    assert download.status == 200
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="holiday photo.png"'
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers.getall("Content-Security-Policy")[-1]
    assert Image.open(io.BytesIO(await download.read())).size == (8, 8)
    (stored,) = _blob_files(settings)
    assert "holiday" not in str(stored) and len(stored.name) == 32


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cute.png", b"<html><script>alert(1)</script></html>"),
        ("photo.jpg", b"<?php system($_GET['c']); ?>"),
        (
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 100),
    ],
)
async def test_content_that_is_not_an_allowed_type_is_refused_whatever_its_name(
    app_client, team, settings, name, data
):
    response = await _upload(app_client, team, data, name)
    assert response.status == 415
    assert (await response.json())["code"] == "file_type_refused"
    assert await _materials(app_client, team) == []
    assert _blob_files(settings) == []


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/etc/passwd", "a\x00b.png", "..\\..\\windows\\x.png", "...."]
)
async def test_path_traversal_names_never_reach_the_file_system(app_client, team, settings, name):
    response = await _upload(app_client, team, png_bytes(), name)
    assert response.status == 201, await response.text()
    material = await response.json()
    for bad in ("/", "\\", "\x00", ".."):
        assert bad not in material["file_name"]
    assert material["file_name"].endswith(".png")
    root = (Path(settings.data_dir) / "blobs").resolve()
    for stored in _blob_files(settings):
        assert stored.resolve().is_relative_to(root)
        assert len(stored.name) == 32


async def test_a_jpeg_comes_back_without_its_gps_exif(app_client, team):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    response = await _upload(app_client, team, original, "trip.jpg")
    assert response.status == 201, await response.text()
    material = await response.json()
    download = await app_client.get(
        team.url(f"/materials/{material['id']}/content"), headers=team.founder.headers
    )
    served = await download.read()
    image = Image.open(io.BytesIO(served))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert b"Spy Camera" not in served
    assert b"Exif" not in served


async def test_a_decompression_bomb_is_refused_before_decoding(app_client, team):
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")
    response = await _upload(app_client, team, buffer.getvalue(), "bomb.png")
    assert response.status == 413
    assert (await response.json())["code"] == "image_too_large"
    assert await _materials(app_client, team) == []


async def test_declared_oversize_is_refused_before_anything_is_read(app_client, team, settings):
    response = await _upload(app_client, team, b"\x00" * (MAX_UPLOAD + 1), "big.pdf")
    assert response.status == 413
    assert (await response.json())["code"] == "payload_too_large"
    assert await _materials(app_client, team) == []
    assert _blob_files(settings) == []


async def _raw_upload(
    app_client, team, folder: str, *, chunked: bool, total: int
) -> tuple[bytes, int]:
    """Send an upload by hand and count what was sent before the answer came."""
    reader, writer = await asyncio.open_connection(app_client.host, app_client.port)
    path = team.url(f"/folders/{folder}/materials") + "?file_name=big.pdf"
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: test\r\n"
        f"Authorization: Bearer {team.founder.access_token}\r\n"
        f"Content-Type: application/octet-stream\r\n{length}\r\n\r\n"
    )
    writer.write(head.encode())
    sent = 0
    chunk = b"%PDF-1.4\n" + b"x" * (16 * 1024 - 9)
    answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
    try:
        while sent < total and not answer.done():
            if chunked:
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            else:
                writer.write(chunk)
            sent += len(chunk)
            await writer.drain()
            await asyncio.sleep(0)
        status_line = await asyncio.wait_for(answer, timeout=10)
    finally:
        writer.close()
    return status_line, sent


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_an_oversized_stream_is_refused_before_it_is_all_sent(
    app_client, team, settings, chunked
):
    """The server answers 413 while the client is still sending: it read about
    the limit and stopped, instead of buffering the whole body first."""
    folder = await _folder(app_client, team)
    total = 64 * 1024 * 1024
    status_line, sent = await _raw_upload(app_client, team, folder, chunked=chunked, total=total)
    assert b" 413 " in status_line.split(b"\r\n")[0]
    assert sent < total // 4
    assert await _materials(app_client, team) == []
    assert _blob_files(settings) == []


async def test_the_quota_is_enforced_declared_or_streamed(app_client, team, settings):
    big = b"%PDF-1.4\n" + b"x" * (MAX_UPLOAD - 100)
    for _ in range(2):
        assert (await _upload(app_client, team, big, "part.pdf")).status == 201
    response = await _upload(app_client, team, big, "one too many.pdf")
    assert response.status == 413
    assert (await response.json())["code"] == "quota_exceeded"
    assert len(await _materials(app_client, team)) == 2
    assert len(_blob_files(settings)) == 2


async def test_a_pupil_member_cannot_upload_and_a_pupil_of_another_project_sees_nothing(
    app_client, team
):
    refused = await _upload(app_client, team, png_bytes(), "x.png", actor=team.pupil)
    assert refused.status == 403
    uploaded = await (await _upload(app_client, team, png_bytes(), "x.png")).json()
    for path in (
        f"/materials/{uploaded['id']}",
        f"/materials/{uploaded['id']}/content",
        "/materials",
    ):
        response = await app_client.get(team.url(path), headers=team.other_pupil.headers)
        assert response.status == 404
        assert (await response.json())["code"] == "not_found"
