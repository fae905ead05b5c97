"""The import page's mapping step: an upload whose headers are not ours is kept while
the user maps its columns, then imported as any other file (as a job, with the mapping
in its options).

`peek` reads the header row and the first rows of any table (our headers or not);
`keep_upload` stores the file for the step, `kept_file` reads it back (only in the
user's organization), and `submit_kept` queues its import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

from cosell.domain.actor import Actor
from cosell.domain.headers import header_score
from cosell.domain.job_types import ImportOptions, JobKind
from cosell.domain.mapping import KEPT_UPLOAD_TYPE
from cosell.domain.mapping_suggest import SAMPLE_ROWS, headers_are_ours
from cosell.domain.model import Cell
from cosell.errors import FileRejected, NotFound
from cosell.files.reader import check_size
from cosell.files.stream import BytesSource, open_table
from cosell.services.actor import require_user
from cosell.services.clock import utcnow
from cosell.services.jobs import stored_file_name
from cosell.services.uow import Backend
from cosell.settings import Settings


@dataclass(frozen=True, slots=True)
class Peek:
    headers: list[str]
    rows: list[list[Cell]]
    #: whether the header row is one of ours (no mapping step needed)
    ours: bool


def _any_headers(cells: Sequence[str]) -> int:
    """Our headers count most; any named cell counts (a CRM's header row)."""
    return header_score(cells) * 1000 + sum(1 for c in cells if isinstance(c, str) and c.strip())


#: How much of a CSV upload the mapping step reads to see its headers and first rows.
PEEK_BYTES = 256 * 1024
_ZIP = b"PK"


def needs_whole(start: bytes) -> bool:
    """Whether `peek` needs the whole file (a workbook) rather than its start."""
    return start.startswith(_ZIP)


def peek(data: bytes, settings: Settings, *, whole: bool = True) -> Peek:
    """The file's header row and first rows, whatever its headers; FileRejected when it
    cannot be read. `data` may be only the start of a text file (`whole=False`): it is
    then cut after its last line break, and only its first rows are read."""
    if not whole:
        cut = data.rfind(b"\n")
        data = data[: cut + 1] if cut > 0 else data
    table = open_table(
        BytesSource(data),
        header_score=_any_headers,
        max_bytes=settings.max_upload_bytes,
        whole_below=0,
    )
    rows = [list(r.cells) for r in islice(table.rows(), SAMPLE_ROWS)]
    return Peek(table.headers, rows, headers_are_ours(table.headers))


def keep_upload(db: Backend, actor: Actor, file_name: str, data: bytes, settings: Settings) -> str:
    """Store an upload for the mapping step; its id (the blob's)."""
    require_user(actor, "import files")
    check_size(len(data), settings.max_upload_bytes)
    with db.writing() as uow:
        return uow.blobs.put(
            org_id=actor.org_id,
            name=stored_file_name(file_name),
            content_type=KEPT_UPLOAD_TYPE,
            data=data,
            now=utcnow(),
        )


def kept_file(db: Backend, actor: Actor, upload: str) -> tuple[str, bytes]:
    """The name and bytes of an upload kept for the mapping step; NotFound when there is
    none of that id in the actor's organization."""
    with db.reading() as uow:
        found = uow.blobs.get(actor.org_id, upload[:36])
    if found is None:
        raise NotFound("The uploaded file is no longer there; upload it again")
    name, _, data = found
    return name, data


def submit_kept(db: Backend, actor: Actor, upload: str, options: ImportOptions) -> str:
    """Queue the import of a kept upload with `options` (its mapping); the job's id."""
    user_id = require_user(actor, "import files")
    if options.mapping is None:
        raise FileRejected("A mapped import needs a mapping")
    with db.writing() as uow:
        info = uow.blobs.info(actor.org_id, upload[:36])
        if info is None:
            raise NotFound("The uploaded file is no longer there; upload it again")
        return uow.jobs.add_job(
            org_id=actor.org_id,
            user_id=user_id,
            kind=JobKind.IMPORT,
            options=options,
            file_name=info.name,
            input_blob_id=info.id,
            now=utcnow(),
        )


def first_solution(db: Backend, actor: Actor) -> str:
    """The first solution of the organization's catalog ("" when it has none): offered
    as the constant of Solution 1."""
    with db.reading() as uow:
        catalog = uow.accounts.catalog(actor.org_id)
    return catalog[0][0] if catalog else ""
