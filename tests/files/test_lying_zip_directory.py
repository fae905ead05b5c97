"""A workbook whose ZIP directory lies about its sizes is rejected without unpacking it.

The crafted file is ~2 MB and holds a part that inflates to 2 GiB while the
directory declares 1 MiB (with the CRC of 1 MiB of zeros, so a reader that
trusts the directory sees a valid part). The reader must stop just past the
declared size: no test here may unpack the 2 GiB.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from cosell.errors import FileRejected
from cosell.files.reader import read_table
from tests.files.builders import header_score
from tests.files.hostile import RawMember, understated_bomb, workbook_parts, zip_raw
from tests.support import ADMIN, World

COSELL = Path(sys.executable).with_name("cosell")
DAMAGED = (
    "The file looks like an Excel workbook but cannot be read: "
    "its part 'xl/media/image1.png' is damaged."
)
MIB = 1024 * 1024


def rejection(data: bytes) -> str:
    with pytest.raises(FileRejected) as caught:
        read_table(data, header_score=header_score)
    return caught.value.message


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return understated_bomb()


def test_the_crafted_file_is_small_and_its_directory_passes_the_size_checks(
    bomb: bytes,
) -> None:
    assert len(bomb) < 3 * MIB
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        declared = archive.getinfo("xl/media/image1.png")
    assert declared.file_size == MIB and declared.compress_size > 2 * MIB - 100_000


def test_a_part_that_inflates_past_its_declared_size_is_rejected_quickly(bomb: bytes) -> None:
    started = time.perf_counter()
    assert rejection(bomb) == DAMAGED
    assert time.perf_counter() - started < 2


def test_a_part_that_ends_before_its_declared_size_is_rejected() -> None:
    content = b"\x89PNG" + bytes(1000)
    short = RawMember(
        "xl/media/image1.png", content, zipfile.ZIP_STORED, len(content) + 10, zlib.crc32(content)
    )
    assert rejection(zip_raw([*workbook_parts(), short])) == DAMAGED


def test_a_stored_part_longer_than_declared_is_rejected() -> None:
    content = bytes(5000)
    long = RawMember("xl/media/image1.png", content, zipfile.ZIP_STORED, 100, zlib.crc32(content))
    assert rejection(zip_raw([*workbook_parts(), long])) == DAMAGED


def test_truthful_raw_parts_are_read() -> None:
    table = read_table(zip_raw(workbook_parts()), header_score=header_score)
    assert table.headers == ["Deal Name"]


def _cli_import(world: World, path: Path, *, limit_kib: int | None = None) -> list[str]:
    command = [
        str(COSELL),
        "--database-url",
        world.settings.database_url,
        "import",
        str(path),
        "--as",
        ADMIN,
        "--json",
    ]
    if limit_kib is None:
        return command
    return ["bash", "-c", f'ulimit -v {limit_kib} && exec "$@"', "cosell", *command]


# The child is a fresh interpreter whose only child is the CLI, so RUSAGE_CHILDREN
# holds the CLI's own peak resident memory (KiB on Linux).
_MEASURE = """
import json, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
                  "peak_kib": peak}))
"""


def test_cli_import_of_the_crafted_file_stays_under_300_mb(
    world: World, bomb: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "crafted.xlsx"
    path.write_bytes(bomb)
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, *_cli_import(world, path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(measured.stdout)
    print(f"peak memory of `cosell import` on the crafted file: {result['peak_kib'] // 1024} MiB")
    assert result["peak_kib"] < 300 * 1024
    assert result["code"] == 2, result["stderr"]
    assert json.loads(result["stdout"])["status"] == "rejected"
    assert result["stderr"] == f"error: file rejected: {DAMAGED}\n"


def test_cli_import_of_the_crafted_file_exits_2_within_1_gb_of_address_space(
    world: World, bomb: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "crafted.xlsx"
    path.write_bytes(bomb)
    proc = subprocess.run(
        _cli_import(world, path, limit_kib=1024 * 1024),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "MemoryError" not in proc.stderr and "is damaged" in proc.stderr
