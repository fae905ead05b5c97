"""An import's results kept as data, and its results file made from them in either
format (CSV or XLSX) when it is downloaded: never by reading a written file again.

The data is the results file's table: its header row, then each row's cells as the
results file shows them (`results.ResultsLayout`), one JSON array a line, compressed
(zlib). Written and read a row at a time, so a file of any size keeps memory flat.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import IO, Any

from cosell.domain.job_types import JobRecord
from cosell.errors import Conflict, NotFound
from cosell.files.table import FileFormat, OutCell
from cosell.files.writer import write_csv_to, write_xlsx_to
from cosell.i18n import Msg
from cosell.services.uow import Backend
from cosell.store.jobs import PART_SIZE

#: The content type of stored results data (a results file written before results were
#: kept as data has its format's own content type).
CONTENT_TYPE = "application/vnd.cosell.results+zlib"
#: Rows a workbook can hold below its header row.
XLSX_MAX_ROWS = 1_048_575
#: Stored results data up to this size is made into a file in memory; larger data goes
#: through a temporary file, and its bytes a part at a time.
IN_MEMORY_BYTES = 2 * 1024 * 1024
_SHEET = "Results"


@dataclass(frozen=True, slots=True)
class ResultsHead:
    headers: list[str]
    #: columns a workbook formats as text (IDs): kept as typed, e.g. leading zeros
    text_columns: tuple[int, ...]
    #: the upload's format: the results file's, unless another is asked for
    format: FileFormat
    #: the upload's delimiter (a CSV results file uses it too)
    delimiter: str

    def to_json(self) -> dict[str, Any]:
        return {
            "headers": self.headers,
            "text_columns": list(self.text_columns),
            "format": self.format,
            "delimiter": self.delimiter,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResultsHead:
        fmt: FileFormat = "xlsx" if data["format"] == "xlsx" else "csv"
        return cls(list(data["headers"]), tuple(data["text_columns"]), fmt, data["delimiter"])


def write_lines(out: IO[bytes], head: ResultsHead, lines: Iterable[list[OutCell]]) -> int:
    """The results data: `head`, then `lines`, into `out`; returns the rows written."""
    packer = zlib.compressobj(1)
    out.write(packer.compress(_line(head.to_json())))
    count = 0
    for count, line in enumerate(lines, start=1):  # noqa: B007 - the count is returned
        out.write(packer.compress(_line(line)))
    out.write(packer.flush())
    return count


def _line(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_encode)
    return text.encode() + b"\n"


def _encode(cell: Any) -> dict[str, str]:
    """A cell JSON has no type for: a date (of a workbook) or an amount."""
    if isinstance(cell, dt.date):
        return {"d": cell.isoformat()}
    if isinstance(cell, Decimal):
        return {"n": str(cell)}
    raise TypeError(f"a results cell cannot be {type(cell).__name__}")


def _decode(value: dict[str, str]) -> OutCell:
    return dt.date.fromisoformat(value["d"]) if "d" in value else Decimal(value["n"])


def read_lines(source: IO[bytes]) -> tuple[ResultsHead, Iterator[list[OutCell]]]:
    """The head of stored results data, and its rows as they are read."""
    lines = _raw_lines(source)
    head = ResultsHead.from_json(json.loads(next(lines)))
    decode = json.JSONDecoder(object_hook=_decode).decode
    return head, (decode(line.decode()) for line in lines)


def _raw_lines(source: IO[bytes]) -> Iterator[bytes]:
    unpacker = zlib.decompressobj()
    pending = b""
    while part := source.read(PART_SIZE):
        pending += unpacker.decompress(part)
        *complete, pending = pending.split(b"\n")
        yield from complete
    pending += unpacker.flush()
    yield from filter(None, pending.split(b"\n"))


def render(source: IO[bytes], fmt: FileFormat, out: IO[bytes]) -> int:
    """The results file in `fmt`, made from the results data read from `source`, into
    `out`; returns its rows. ValueError for more rows than a workbook holds."""
    head, rows = read_lines(source)
    if fmt == "xlsx":
        count = 0

        def counted() -> Iterator[list[OutCell]]:
            nonlocal count
            for count, line in enumerate(rows, start=1):
                if count > XLSX_MAX_ROWS:
                    raise ValueError(
                        Msg(
                            "the file has more than %(limit)s rows, more than a workbook "
                            "holds; download it as CSV",
                            limit=f"{XLSX_MAX_ROWS:,}",
                        )
                    )
                yield line

        text_columns = head.text_columns
        write_xlsx_to(out, head.headers, counted(), text_columns=text_columns, sheet_name=_SHEET)
        return count
    return write_csv_to(out, head.headers, rows, delimiter=head.delimiter)


def open_results(
    db: Backend, org_id: int, job: JobRecord, fmt: FileFormat | None = None
) -> tuple[str, bytes | Iterator[bytes], FileFormat]:
    """(name, bytes, format) of an import's results file, in `fmt` or by default the
    upload's: for downloads and the command line. A big file's bytes come a part at a
    time, never whole in memory. NotFound when there is none, Conflict when it cannot be
    made (more rows than a workbook holds; the other format of a results file written
    before results were kept as data)."""
    if not job.finished:
        raise Conflict(
            Msg(
                "The %(kind)s is still %(status)s; the results file is not ready yet",
                kind=job.kind,
                status=job.status,
            )
        )
    with db.reading() as uow:
        info = uow.blobs.info(org_id, job.result_blob_id or "")
    if info is None:
        raise NotFound(
            Msg(
                "The %(kind)s job %(job)s has no results file (it is %(status)s)",
                kind=job.kind,
                job=job.id,
                status=job.status,
            )
        )
    stored: FileFormat = "xlsx" if info.name.lower().endswith(".xlsx") else "csv"
    wanted = fmt or stored
    name = str(PurePath(info.name).with_suffix(f".{wanted}"))
    if info.content_type != CONTENT_TYPE:  # the file itself, as an earlier version wrote it
        if wanted != stored:
            raise Conflict(
                Msg(
                    "The results file of %(kind)s %(job)s was written by an earlier version: "
                    "it can be downloaded as %(format)s only",
                    kind=job.kind,
                    job=job.id,
                    format=stored.upper(),
                )
            )
        return name, db.iter_blob(info), wanted
    source = io.BufferedReader(db.blob_reader(info), PART_SIZE)
    out: IO[bytes] = (
        io.BytesIO()
        if info.size <= IN_MEMORY_BYTES
        else tempfile.TemporaryFile(prefix="cosell-results-")  # noqa: SIM115 - closed by the reader
    )
    try:
        render(source, wanted, out)
    except ValueError as exc:
        out.close()
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        raise Conflict(
            Msg("The results file cannot be converted: %(reason)s", reason=reason)
        ) from None
    except BaseException:
        out.close()
        raise
    if isinstance(out, io.BytesIO):
        return name, out.getvalue(), wanted
    out.seek(0)
    return name, _parts_of_file(out), wanted


def _parts_of_file(out: IO[bytes]) -> Iterator[bytes]:
    with out:
        while part := out.read(PART_SIZE):
            yield part
