from __future__ import annotations

import datetime as dt

from assistant.asked_years import asked_years, speaks_of


def test_four_digit_years_in_any_script_and_punctuation() -> None:
    assert asked_years("Koliko je migranata registrovano u Srbiji tokom 2023. godine?") == {"2023"}
    assert asked_years("Колку бегалци се вратија во 2021-2022 година?") == {"2021", "2022"}
    assert asked_years("How many since 1995, and in 2015?") == {"1995", "2015"}
    assert asked_years("What did the EU donate?") == frozenset()
    # numbers that are not years: too long, out of range, part of an amount
    assert asked_years("170,900 KM and 725.000 KM, code 120231, room 3021, 1750 people") == frozenset()


def test_a_release_speaks_of_a_year_by_its_text_or_its_date() -> None:
    years = frozenset({"2023"})
    assert speaks_of(years, "In 2023, 100 people arrived.", None)
    assert speaks_of(years, "This year 100 people arrived.", dt.date(2023, 7, 13))
    assert not speaks_of(years, "In 2019, 100 people arrived.", dt.date(2019, 5, 22))
    assert not speaks_of(years, "Registered: 20230 people.", None)
    assert speaks_of(frozenset(), "anything", None)  # no year asked: every release may answer
    assert speaks_of(frozenset({"2019", "2023"}), "In 2019 …", None)  # any of the years asked
