"""Fuzzing the readers and the import's first stage: whatever the bytes, the only
exception is the product's own `FileRejected`, within the time and memory bounds
of `bounds.bounded`. The budget is `FUZZ` (short in `make test`, long in `make fuzz`)."""

from __future__ import annotations

import codecs

from hypothesis import example, given
from hypothesis import strategies as st

from cosell.errors import FileRejected
from tests.files.builders import zip_of
from tests.files.hostile import understated_bomb
from tests.fuzz.bounds import imported, read
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import archives, csv_seeds, mutated, parts_of, xlsx_seeds, xml_parts


@FUZZ
@given(st.binary(max_size=4096))
@example(b"")
@example(b"PK\x03\x04")
@example(b"PK\x05\x06" + bytes(18))
@example(b"D\x00e\x00a\x00l\x00")
def test_random_bytes(data: bytes) -> None:
    read(data)


@FUZZ
@given(
    st.text(max_size=2000),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "utf-16-le"]),
)
def test_random_text(text: str, codec: str) -> None:
    read(text.encode(codec, errors="replace"))


@FUZZ
@given(st.sampled_from(csv_seeds()).flatmap(mutated))
def test_mutated_csv(data: bytes) -> None:
    read(data)
    imported(data)


@FUZZ
@given(st.sampled_from(xlsx_seeds()).flatmap(mutated))
def test_mutated_xlsx_bytes(data: bytes) -> None:
    read(data)


@st.composite
def _xlsx_with_a_mutated_part(draw: st.DrawFn) -> bytes:
    parts = parts_of(draw(st.sampled_from(xlsx_seeds())))
    name = draw(st.sampled_from(sorted(parts)))
    parts[name] = draw(mutated(parts[name]) | xml_parts())
    return zip_of(parts, stored=draw(st.booleans()))


@FUZZ
@given(_xlsx_with_a_mutated_part())
def test_xlsx_with_a_mutated_part(data: bytes) -> None:
    read(data)
    imported(data, dry_run=True)


@FUZZ
@given(archives())
# the 2 GB crafted file, scaled down: a part declared as 1 MiB inflates to 32 MiB
@example(understated_bomb(inflated=32 * 1024 * 1024))
def test_random_archives(data: bytes) -> None:
    read(data)


def _utf8_seeds() -> list[str]:
    texts = []
    for seed in csv_seeds():
        try:
            texts.append(seed.removeprefix(codecs.BOM_UTF8).decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return texts


@FUZZ
@given(
    st.sampled_from(_utf8_seeds()).flatmap(
        lambda text: st.integers(8, len(text)).map(lambda end: text[:end])
    ),
    st.sampled_from(["utf-16-le", "utf-16-be"]),
)
def test_utf16_without_bom_is_always_named(text: str, codec: str) -> None:
    result = read(text.encode(codec))
    assert isinstance(result, FileRejected)
    assert "UTF-16 without a byte-order mark" in result.message
