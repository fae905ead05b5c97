"""Headless LibreOffice Calc as a test tool: open a file as a user's Calc would, save it again.

`make system-deps` installs Debian's `libreoffice-calc-nogui`; without `soffice`
the tests fail (they are not skipped), like the browser tests without Chromium.

Every conversion runs in a throw-away user profile of its own: two `soffice`
processes sharing a profile (pytest-xdist runs two workers) fail or hand their
work to each other. The profile is seeded with the locale a user's Calc would
have (Tools › Options › Language Settings › Locale setting), since that locale,
not the import filter's language token, decides how numbers are written back.

CSV filter option strings (the LibreOffice help, "CSV Filter Options"), comma
separated tokens: 1 field separator as a character code (44 `,`, 59 `;`),
2 text delimiter (34 `"`), 3 character set (76 = UTF-8), 4 first line to read,
5 column formats (empty: Standard), 6 language (1033 en-US, 1031 de-DE), then
for export 7 quote all text cells, 8 (import: detect special numbers), 9 save
cell contents as shown.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
#: A cold start of Calc takes 1–3 s here; this only stops a hung process.
TIMEOUT_S = 120

CSV_FILTER = "Text - txt - csv (StarCalc)"
UTF8 = 76

_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N">
<prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>{locale}</value></prop>
</item>
</oor:items>
"""


def csv_import_filter(separator: str, language: int) -> str:
    """`--infilter` for a UTF-8 CSV: separator, `"` quotes, UTF-8, from line 1, Standard
    column formats, `language`; everything else LibreOffice's default (which detects
    dates and other special numbers)."""
    return f"CSV:{ord(separator)},34,{UTF8},1,,{language}"


def csv_export_target(separator: str, language: int) -> str:
    """`--convert-to` for a UTF-8 CSV as the Save dialog writes it: quotes only where
    needed, cell contents as shown (the help's own export example, in UTF-8)."""
    return f"csv:{CSV_FILTER}:{ord(separator)},34,{UTF8},1,,{language},false,true,true"


class LibreOfficeError(AssertionError):
    """soffice did not produce the converted file."""


@dataclass(frozen=True, slots=True)
class Conversion:
    """One file opened and saved again by Calc."""

    #: `--convert-to` argument: an extension, optionally with a filter and its options
    target: str
    #: `--infilter` argument, or None for LibreOffice's own choice and defaults
    infilter: str | None
    #: the user's locale setting, e.g. "en-US" or "de-DE"
    locale: str

    def run(self, source: Path, workdir: Path) -> bytes:
        """Convert `source`; return the bytes Calc wrote. Raises LibreOfficeError."""
        profile = workdir / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(
            _PROFILE_SETTINGS.format(locale=self.locale), encoding="utf-8"
        )
        out_dir = workdir / "out"
        out_dir.mkdir()
        command = [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
        ]
        if self.infilter is not None:
            command.append(f"--infilter={self.infilter}")
        command += ["--convert-to", self.target, "--outdir", str(out_dir), str(source)]
        # A fixed process locale: without filter options Calc falls back to the
        # system's text encoding for CSV files.
        env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
        env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        output = _run(command, env)
        extension = self.target.split(":", 1)[0]
        produced = out_dir / f"{source.stem}.{extension}"
        if not produced.exists():
            raise LibreOfficeError(
                f"soffice wrote no {produced.name}: {' '.join(command)}\n{output}"
            )
        return produced.read_bytes()


def _run(command: list[str], env: dict[str, str]) -> str:
    if not Path(SOFFICE).exists():
        raise LibreOfficeError("soffice is not installed; run `make system-deps`")
    # Its own process group, so a hung Calc (soffice starts soffice.bin) is stopped whole.
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        raise LibreOfficeError(
            f"soffice did not finish in {TIMEOUT_S} s: {' '.join(command)}\n{output}"
        ) from None
    if process.returncode != 0:
        raise LibreOfficeError(
            f"soffice exited with {process.returncode}: {' '.join(command)}\n{output}"
        )
    return output
