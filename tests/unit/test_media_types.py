"""Type recognition from a file's first bytes."""

from __future__ import annotations

import pytest

from lebrq.domain.model import media_types as t
from lebrq.domain.model.errors import InvalidInput, UnsupportedMediaType
from lebrq.domain.model.media_types import TypeCheck, sniff
from tests.support.media import SIGNATURES


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (SIGNATURES["image/jpeg"], (t.JPEG,)),
        (SIGNATURES["image/png"], (t.PNG,)),
        (b"GIF87a\x01\x00", (t.GIF,)),
        (SIGNATURES["image/gif"], (t.GIF,)),
        (SIGNATURES["image/webp"], (t.WEBP,)),
        (SIGNATURES["audio/wav"], (t.WAV,)),
        (SIGNATURES["audio/ogg"], (t.OGG,)),
        (SIGNATURES["video/webm"], (t.WEBM, t.WEBM_AUDIO)),
        (SIGNATURES["video/mp4"], (t.MP4, t.M4A)),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", (t.MP4, t.M4A)),
        (SIGNATURES["audio/mp4"], (t.M4A,)),
        (SIGNATURES["video/quicktime"], (t.QUICKTIME,)),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", (t.QUICKTIME,)),
        (SIGNATURES["audio/mpeg"], (t.MP3,)),
        (b"\xff\xfb\x90\x64\x00", (t.MP3,)),  # MPEG-1 layer III frame, no ID3 tag
        (b"\xff\xf1\x50\x80", ()),  # AAC ADTS (layer bits 00): not MP3
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", ()),  # Matroska, not WebM
        (b"RIFF\x24\x00\x00\x00AVI LIST", ()),
        (SIGNATURES["application/pdf"], ()),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", ()),
        (b"", ()),
    ],
)
def test_sniff(head: bytes, expected: tuple[str, ...]) -> None:
    assert sniff(head) == expected


async def chunks(*parts: bytes):  # type: ignore[no-untyped-def]
    for part in parts:
        yield part


@pytest.mark.anyio
async def test_check_sees_a_signature_split_over_chunks_and_passes_every_byte_on() -> None:
    data = SIGNATURES["image/png"] + b"rest of the image" * 10
    check = TypeCheck((t.PNG,))
    out = b"".join([c async for c in check.checked(chunks(data[:3], data[3:9], data[9:]))])
    assert out == data and check.content_type == t.PNG


@pytest.mark.anyio
async def test_check_yields_nothing_before_refusing() -> None:
    check = TypeCheck((t.PNG,))
    seen: list[bytes] = []
    with pytest.raises(UnsupportedMediaType) as refused:
        async for chunk in check.checked(chunks(SIGNATURES["image/gif"] + bytes(100))):
            seen.append(chunk)
    assert seen == []
    assert refused.value.extra == {"accepted": [t.PNG]}
    assert "image/gif" in refused.value.message


@pytest.mark.anyio
async def test_first_accepted_candidate_is_chosen() -> None:
    check = TypeCheck((t.MP3, t.M4A))
    _ = [c async for c in check.checked(chunks(SIGNATURES["video/mp4"] + bytes(10)))]
    assert check.content_type == t.M4A


@pytest.mark.anyio
async def test_empty_file_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        _ = [c async for c in TypeCheck((t.PNG,)).checked(chunks())]
