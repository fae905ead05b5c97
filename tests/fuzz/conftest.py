"""Budgets of the fuzz suite: a short one in `make test`, a long one in `make fuzz`.

`COSELL_FUZZ=long` (what `make fuzz` sets) selects the profile "fuzz", with
`COSELL_FUZZ_EXAMPLES` examples per property (`make fuzz`: 10,000); otherwise the
profile "fuzz-short" runs a few dozen examples per property, ~10 s in all. Each
property takes its settings from `FUZZ`, so the global profile "cosell" of the
other tests is left alone.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_INPUTS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "fuzz-short", deadline=None, max_examples=60, suppress_health_check=_SLOW_INPUTS
)
settings.register_profile(
    "fuzz",
    deadline=None,
    max_examples=int(os.environ.get("COSELL_FUZZ_EXAMPLES", "10000")),
    suppress_health_check=_SLOW_INPUTS,
    print_blob=True,
)

LONG = os.environ.get("COSELL_FUZZ") == "long"
#: the settings of every fuzz property
FUZZ = settings(settings.get_profile("fuzz" if LONG else "fuzz-short"))
