"""Years a question asks about, and whether a release speaks of any of them.

"How many migrants were registered in Serbia in 2023?" is not answered by a release
about 2019, however close its sentences are to the question: the model scores
topic, not the year. A release can answer such a question only if its text
mentions one of the years asked about, or it is dated in one of them ("this
year"). The check is on whole four-digit years (1800–2099), the same in every
language and script.
"""

from __future__ import annotations

import datetime as dt
import re

_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def asked_years(question: str) -> frozenset[str]:
    """The four-digit years written in ``question`` (empty when it names none)."""
    return frozenset(_YEAR.findall(question or ""))


def speaks_of(years: frozenset[str], text: str, date: dt.date | None) -> bool:
    """Whether a release (its text and date) can answer a question about ``years``; True when none are asked."""
    if not years:
        return True
    if date is not None and str(date.year) in years:
        return True
    return any(year in years for year in _YEAR.findall(text or ""))
