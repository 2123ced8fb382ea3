"""Hypothesis profiles for the fuzz suite (issue 17, point 10).

``make test`` runs every target briefly (profile ``quick``, the default here); ``make fuzz``
selects ``fuzz`` (``HYPOTHESIS_PROFILE=fuzz``): 2,000 examples per target, each bounded by a
deadline, so a hang shows up as a failure (``DeadlineExceeded``) instead of a stuck run. A target
fails on any exception its code under test may not raise: the library's equivalent of the CLI's
exit 70.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("quick", max_examples=30, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")),
    deadline=timedelta(seconds=10),
    suppress_health_check=_SLOW_OK,
    database=None,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))
