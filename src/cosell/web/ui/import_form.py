"""The import options of the upload form (`ui.imports`), which the mapping step
(`ui.mapping`) carries through its own form as text."""

from __future__ import annotations

from collections.abc import Mapping

from cosell.domain.job_types import ImportOptions
from cosell.domain.mapping import ColumnMapping

#: The upload form's option fields.
CARRIED = ("dry_run", "match", "date_order", "overwrite_newer", "allow_duplicates")


def checked(value: str) -> bool:
    """A checkbox's value as posted."""
    return value in ("1", "on", "yes", "true")


def import_options(
    form: Mapping[str, str],
    mapping: ColumnMapping | None = None,
    mapping_profile: str | None = None,
) -> ImportOptions:
    """The options the form's fields ask for (ImportOptions checks them), with the
    mapping step's `mapping` and `mapping_profile` where given."""
    return ImportOptions(
        dry_run=checked(form.get("dry_run", "")),
        match=form.get("match") or "referral-id",  # type: ignore[arg-type]  # checked
        date_order=form.get("date_order") or None,  # type: ignore[arg-type]  # checked
        overwrite_newer=checked(form.get("overwrite_newer", "")),
        allow_duplicates=checked(form.get("allow_duplicates", "")),
        mapping=mapping,
        mapping_profile=mapping_profile,
    )
