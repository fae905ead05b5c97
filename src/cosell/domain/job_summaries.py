"""What a finished job reports: the summary kept with the job, shown by the API, the
pages and the command line. Each reads and writes its stored JSON form; a stored
summary that does not fit (an older version's) reads as None.

The API's schemas are these types: pydantic reads stdlib dataclasses, and a field's
`description` in its metadata.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from cosell.i18n import Msg, message_from_json, message_to_json

ImportStatus = Literal["completed", "rejected"]


def described(text: str) -> dict[str, str]:
    """A field's metadata naming its description (the API's schemas show it)."""
    return {"description": text}


_ROW = described("the row number a spreadsheet shows (header = 1)")


#: A row that failed, with every error ("column: message").
@dataclass(frozen=True, slots=True)
class RowFailure:
    row: int = field(metadata=_ROW)
    errors: tuple[str, ...]


#: A row with remarks (it succeeded or failed all the same).
@dataclass(frozen=True, slots=True)
class RowWarning:
    row: int = field(metadata=_ROW)
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    status: ImportStatus = "completed"
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    duration_s: float = 0.0
    errors: tuple[str, ...] = field(
        default=(), metadata=described("file-level errors (a rejected file)")
    )
    warnings: tuple[str, ...] = ()
    failures: tuple[RowFailure, ...] = ()
    row_warnings: tuple[RowWarning, ...] = field(
        default=(),
        metadata=described("rows that succeeded or failed with remarks (e.g. an ignored reason)"),
    )

    @classmethod
    def rejected(cls, message: str, dry_run: bool, duration_s: float) -> ImportSummary:
        """A file refused as a whole: nothing of it was imported."""
        return cls(status="rejected", dry_run=dry_run, duration_s=duration_s, errors=(message,))

    @classmethod
    def merged(
        cls,
        chunks: Iterable[ImportSummary],
        *,
        dry_run: bool,
        warnings: Sequence[str],
        duration_s: float,
        listed: int,
    ) -> ImportSummary:
        """The summary of a file imported in chunks: their counts added up, and their
        failures and remarks listed up to `listed` each."""
        total = cls(dry_run=dry_run, duration_s=duration_s, warnings=tuple(warnings))
        failures: list[RowFailure] = []
        remarks: list[RowWarning] = []
        for chunk in chunks:
            total = replace(
                total,
                rows=total.rows + chunk.rows,
                created=total.created + chunk.created,
                updated=total.updated + chunk.updated,
                unchanged=total.unchanged + chunk.unchanged,
                failed=total.failed + chunk.failed,
            )
            failures.extend(chunk.failures[: max(0, listed - len(failures))])
            remarks.extend(chunk.row_warnings[: max(0, listed - len(remarks))])
        return replace(total, failures=tuple(failures), row_warnings=tuple(remarks))

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "duration_s": round(self.duration_s, 4),
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "failures": [{"row": f.row, "errors": list(f.errors)} for f in self.failures],
            "row_warnings": [
                {"row": w.row, "warnings": list(w.warnings)} for w in self.row_warnings
            ],
            **self._messages_json(),
        }

    def _lists(self) -> list[tuple[str, ...]]:
        """Every list of texts, in a fixed order: errors, warnings, each failure's errors,
        each row's warnings."""
        return [
            self.errors,
            self.warnings,
            *(f.errors for f in self.failures),
            *(w.warnings for w in self.row_warnings),
        ]

    def _messages_json(self) -> dict[str, Any]:
        """The texts again as `i18n.Msg`s keep them (`"messages"`: the pages show them in
        the reader's language); nothing when no text is a Msg."""
        lists = self._lists()
        if not any(isinstance(text, Msg) for texts in lists for text in texts):
            return {}
        return {"messages": [[message_to_json(text) for text in texts] for texts in lists]}

    def _with_messages(self, stored: Any) -> ImportSummary:
        """This summary with its texts read back from `_messages_json`'s form (as it is
        when that does not fit)."""
        lists = self._lists()
        if not isinstance(stored, list) or len(stored) != len(lists):
            return self
        try:
            texts = [tuple(map(message_from_json, items)) for items in stored]
        except (TypeError, ValueError):
            return self
        if [len(t) for t in texts] != [len(t) for t in lists] or texts != lists:
            return self
        n = len(self.failures)
        return replace(
            self,
            errors=texts[0],
            warnings=texts[1],
            failures=tuple(
                RowFailure(f.row, errors)
                for f, errors in zip(self.failures, texts[2 : 2 + n], strict=True)
            ),
            row_warnings=tuple(
                RowWarning(w.row, warnings)
                for w, warnings in zip(self.row_warnings, texts[2 + n :], strict=True)
            ),
        )

    @classmethod
    def from_json(cls, data: Any) -> ImportSummary | None:
        try:
            status = data.get("status", "completed")
            if status not in ("completed", "rejected"):
                raise ValueError(status)
            summary = cls(
                status=status,
                dry_run=_bool(data.get("dry_run", False)),
                rows=_int(data.get("rows", 0)),
                created=_int(data.get("created", 0)),
                updated=_int(data.get("updated", 0)),
                unchanged=_int(data.get("unchanged", 0)),
                failed=_int(data.get("failed", 0)),
                duration_s=_number(data.get("duration_s", 0.0)),
                errors=_texts(data.get("errors", [])),
                warnings=_texts(data.get("warnings", [])),
                failures=tuple(
                    RowFailure(_int(f["row"]), _texts(f["errors"]))
                    for f in _items(data.get("failures", []))
                ),
                row_warnings=tuple(
                    RowWarning(_int(w["row"]), _texts(w["warnings"]))
                    for w in _items(data.get("row_warnings", []))
                ),
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            return None
        return summary._with_messages(data.get("messages"))


@dataclass(frozen=True, slots=True)
class ExportSummary:
    rows: int = 0
    matched: int = 0
    truncated: bool = False
    duration_s: float = 0.0
    #: "5,000 of 7,214 exported — narrow the filters"
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "matched": self.matched,
            "truncated": self.truncated,
            "duration_s": round(self.duration_s, 4),
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: Any) -> ExportSummary | None:
        try:
            message = data.get("message", "")
            if not isinstance(message, str):
                raise TypeError(message)
            return cls(
                rows=_int(data.get("rows", 0)),
                matched=_int(data.get("matched", 0)),
                truncated=_bool(data.get("truncated", False)),
                duration_s=_number(data.get("duration_s", 0.0)),
                message=message,
            )
        except (AttributeError, TypeError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class JsonSummary:
    """A summary kept as the JSON it was written as (an undo's: the undo's own result
    says what it holds)."""

    data: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        rows = self.data.get("rows", 0)
        return rows if isinstance(rows, int) else 0

    def to_json(self) -> dict[str, Any]:
        return dict(self.data)


JobSummary = ImportSummary | ExportSummary | JsonSummary


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(value)
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(value)
    return tuple(value)


def _items(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(value)
    return value
