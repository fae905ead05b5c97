"""Job options and summaries: each reads back what it writes, and stored JSON that no
longer fits reads as "cannot be used" (options) or as nothing (summaries), never a crash."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from cosell.domain.filters import ReferralFilters, Tab
from cosell.domain.job_summaries import (
    ExportSummary,
    ImportSummary,
    JsonSummary,
    RowFailure,
    RowWarning,
)
from cosell.domain.job_types import (
    ExportOptions,
    ImportOptions,
    JobKind,
    JobStatus,
    UndoOptions,
    UnreadableOptions,
    options_from_json,
    summary_from_json,
)


def stored(value: Any) -> Any:
    """What the database hands back: the JSON text, parsed."""
    return json.loads(json.dumps(value))


def test_statuses_and_kinds_are_their_stored_text() -> None:
    assert [s.value for s in JobStatus] == ["queued", "running", "completed", "rejected", "failed"]
    failed: str = JobStatus.FAILED  # a status is a str, equal to its stored text
    assert failed == "failed" and f"{JobKind.IMPORT}" == "import"
    assert [s for s in JobStatus if s.finished] == ["completed", "rejected", "failed"]


def test_options_read_back_what_they_write() -> None:
    imported = ImportOptions(dry_run=True, match="crm-id", date_order="DMY")
    assert options_from_json(JobKind.IMPORT, stored(imported.to_json())) == imported
    filters = ReferralFilters(
        tab=Tab.OUTBOUND,
        statuses=["Active"],
        created_from=dt.date(2027, 1, 30),
        value_min=Decimal("10.50"),
        search="UK Spring",
    )
    exported = ExportOptions(filters=filters, format="xlsx", lang="nl", delimiter=";")
    assert exported.to_json()["filters"] == {
        "tab": "outbound",
        "statuses": ["Active"],
        "created_from": "2027-01-30",
        "value_min": "10.50",
        "search": "UK Spring",
        "sort": "-created",
    }
    assert options_from_json(JobKind.EXPORT, stored(exported.to_json())) == exported
    undo = UndoOptions("job-1", dry_run=True)
    assert options_from_json(JobKind.UNDO, stored(undo.to_json())) == undo


@pytest.mark.parametrize(
    ("kind", "data", "reason"),
    [
        (JobKind.IMPORT, ["csv"], "the stored options are not a JSON object"),
        (JobKind.IMPORT, None, "the stored options are not a JSON object"),
        (JobKind.IMPORT, {"dry_run": "perhaps"}, "dry_run is not true or false"),
        (JobKind.IMPORT, {"match": "by-magic"}, "match must be referral-id or crm-id"),
        (JobKind.EXPORT, {"filters": {"search": "ab"}}, "search needs at least 3 characters"),
        (JobKind.EXPORT, {"filters": {"created_from": "2027-13-45"}}, "a value cannot be read"),
        (JobKind.EXPORT, {"filters": {}, "format": "pdf"}, "format must be csv or xlsx"),
        (JobKind.UNDO, {"dry_run": True}, "they name no import"),
    ],
)
def test_options_that_cannot_be_used_say_why(kind: JobKind, data: Any, reason: str) -> None:
    options = options_from_json(kind, data)
    assert isinstance(options, UnreadableOptions)
    assert options.reason.startswith(reason)


def test_an_import_summary_reads_back_what_it_writes() -> None:
    summary = ImportSummary(
        dry_run=True,
        rows=3,
        created=1,
        failed=1,
        unchanged=1,
        duration_s=0.123456,
        warnings=("a warning",),
        failures=(RowFailure(3, ("Currency: not valid",)),),
        row_warnings=(RowWarning(2, ("a remark",)),),
    )
    data = stored(summary.to_json())
    assert data["duration_s"] == 0.1235
    assert list(data) == [
        "status", "dry_run", "rows", "created", "updated", "unchanged", "failed",
        "duration_s", "errors", "warnings", "failures", "row_warnings",
    ]  # fmt: skip
    again = summary_from_json(JobKind.IMPORT, data)
    assert again is not None and again.to_json() == data


def test_a_summary_that_does_not_fit_reads_as_none() -> None:
    assert ImportSummary.from_json({"rows": "many"}) is None
    assert ImportSummary.from_json({"status": "exploded"}) is None
    assert ImportSummary.from_json({"failures": [{"row": 2}]}) is None
    assert ExportSummary.from_json({"message": 5}) is None
    assert summary_from_json(JobKind.IMPORT, ["not", "an", "object"]) is None
    # Missing members take their defaults (a chunk's summary lists fewer of them).
    assert ImportSummary.from_json({"rows": 2, "created": 2}) == ImportSummary(rows=2, created=2)


def test_chunk_summaries_merge_up_to_the_listed_rows() -> None:
    one = ImportSummary(rows=2, created=1, failed=1, failures=(RowFailure(2, ("x",)),))
    two = ImportSummary(rows=2, failed=2, failures=(RowFailure(4, ("y",)), RowFailure(5, ("z",))))
    merged = ImportSummary.merged(
        [one, two], dry_run=False, warnings=["w"], duration_s=1.5, listed=2
    )
    assert (merged.rows, merged.created, merged.failed) == (4, 1, 3)
    assert [f.row for f in merged.failures] == [2, 4]
    assert merged.warnings == ("w",) and merged.duration_s == 1.5


def test_an_undo_summary_is_kept_as_written() -> None:
    data = {"job_id": "u-1", "status": "completed", "removed": 1, "conflicts": []}
    summary = summary_from_json(JobKind.UNDO, data)
    assert summary == JsonSummary(data) and summary.rows == 0 and summary.to_json() == data


def test_a_history_entry_reads_back_what_it_writes() -> None:
    from cosell.domain.history import HistoryEntry, changes_of

    entry = HistoryEntry(
        at=dt.datetime(2027, 1, 30, 12, 0),
        user_id=3,
        source="import",
        job_id="job-1",
        action="updated",
        changes={"Notes": ("before", "after"), "CRM ID": (None, "X-1")},
        who="Ann Admin",
    )
    assert HistoryEntry.from_json(stored(entry.to_json())) == entry
    # As a hand-made row may hold them: a bare value is the value after.
    assert changes_of('{"Notes": "only after", "Sales Stage": [40, 60]}') == {
        "Notes": (None, "only after"),
        "Sales Stage": ("40", "60"),
    }
