#!/usr/bin/env bash
# A newcomer's first look: export the demo pipeline, import the exported file again
# (nothing changes), then change one deal and import again (one update).
set -euo pipefail
cosell=.venv/bin/cosell
out=var/demo
mkdir -p "$out"
admin=admin@contoso.example

echo "== export the demo pipeline"
$cosell export --as "$admin" -o "$out/pipeline.csv"
echo "== import the exported file as it is: every row is Unchanged"
$cosell import "$out/pipeline.csv" --as "$admin" --results "$out/pipeline-results.csv"
echo "== change the notes of the first open deal and import again: one row is Updated"
.venv/bin/python - "$out/pipeline.csv" "$out/pipeline-edited.csv" <<'PY'
import csv, sys
from datetime import datetime
src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
notes, status = rows[0].index("Notes"), rows[0].index("Partner Referral Status")
first_open = next(r for r in rows[1:] if r[status] != "Closed")  # closed deals cannot change
first_open[notes] = f"Edited in the demo round trip, {datetime.now():%Y-%m-%d %H:%M:%S}"
with open(dst, "w", encoding="utf-8-sig", newline="") as f:
    csv.writer(f, lineterminator="\r\n").writerows(rows)
PY
$cosell import "$out/pipeline-edited.csv" --as "$admin" --results "$out/pipeline-edited-results.xlsx"
echo "== files are in $out/"
