"""The words the pages show for the model's values, marked for the catalogs (`N_`) and
translated where they are shown (the `t` filter of `render`, `i18n.gettext`).

Files and the API keep the English values: only the pages translate them.
"""

from __future__ import annotations

from cosell.i18n import N_, term

#: Status, Substatus and Microsoft status values (`domain.enums`), as Partner Center
#: names them in each language.
STATUS_NAMES = (
    N_("New"),
    N_("Active"),
    N_("Closed"),
    N_("Pending"),
    N_("Received"),
    N_("Accepted"),
    N_("Won"),
    N_("Lost"),
    N_("Declined"),
    N_("Expired"),
    N_("Error"),
)

#: A job's status (`domain.job_types.JobStatus`) on the import and export pages.
JOB_STATUSES = {
    "queued": N_("Queued"),
    "running": N_("Running"),
    "completed": N_("Completed"),
    "rejected": N_("Rejected"),
    "failed": N_("Failed"),
}

#: Where a change of a referral came from (`HistoryEntry.source`).
SOURCES = {
    "import": N_("File import"),
    "api": N_("API"),
    "page": N_("Web page"),
    "undo": N_("Undo"),
    "system": N_("System"),
    "demo": N_("Demo data"),
}

#: What a change did (`HistoryEntry.action`).
ACTIONS = {
    "created": N_("Created"),
    "updated": N_("Updated"),
    "expired": N_("Expired"),
    "undone": N_("Undone"),
}


def job_status(status: str) -> str:
    return term(JOB_STATUSES[status]) if status in JOB_STATUSES else status.capitalize()
