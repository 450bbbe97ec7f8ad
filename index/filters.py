"""What a search may be restricted to: languages, a date range, releases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Filter tag -> (chunk languages it matches, script it requires or None).
LANGUAGE_FILTERS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "en": (("en",), None),
    "bs": (("bs",), None),
    "hr": (("hr",), None),
    "sr": (("sr",), None),
    "sr-Latn": (("sr",), "Latn"),
    "sr-Cyrl": (("sr",), "Cyrl"),
    "mk": (("mk",), None),
    "other": (("other",), None),
    "sh": (("bs", "hr", "sr"), None),
}
LANGUAGE_FILTER_TAGS = tuple(LANGUAGE_FILTERS)


@dataclass(frozen=True)
class Filters:
    """Restrictions on the chunks searched; empty fields do not restrict.

    ``languages`` holds tags as in ``corpus.release.language_tag`` (en, bs, hr,
    sr-Latn, sr-Cyrl, mk, other) plus ``sr`` (both scripts) and ``sh`` (bs/hr/sr).
    Releases without a date are excluded by any date bound.
    """

    languages: frozenset[str] = field(default_factory=frozenset)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    release_ids: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "languages", frozenset(self.languages))
        object.__setattr__(self, "release_ids", frozenset(self.release_ids))
        unknown = sorted(self.languages - set(LANGUAGE_FILTER_TAGS))
        if unknown:
            raise ValueError(f"unknown language filter(s) {', '.join(unknown)}; use {', '.join(LANGUAGE_FILTER_TAGS)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")

    @property
    def restricts(self) -> bool:
        return bool(self.languages or self.date_from or self.date_to or self.release_ids)


def parse_date_bound(value: str | dt.date | dt.datetime | float | None, name: str) -> dt.date | None:
    """A date bound as typed or picked: ``YYYY-MM-DD`` (longer ISO text is cut to the date), a date,
    a datetime or a timestamp; blank is None. ``ValueError`` names the bound (``name``) otherwise.

    The chat's date fields (``assistant.service.parse_date``) and ``assistant search --from/--to`` both use it.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc).date()
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{name} must be a date written YYYY-MM-DD, e.g. 2022-06-14 (got {text!r})") from None
