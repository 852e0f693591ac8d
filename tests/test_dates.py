"""Date finding and normalisation to ISO."""
from __future__ import annotations

import pytest

from qa.dates import find_dates, first_date, resolve_date


@pytest.mark.parametrize("text, iso", [
    ("2024/07/26", "2024-07-26"),
    ("2022-09-20 12:55:43", "2022-09-20"),
    ("2024-03-19", "2024-03-19"),
    ("July 26, 2024", "2024-07-26"),
    ("Jul. 26 2024", "2024-07-26"),
    ("3 March 2023", "2023-03-03"),
    ("the 5th of November, 2021", "2021-11-05"),
    ("Sept. 4, 2019", "2019-09-04"),
    ("2020年5月6日", "2020-05-06"),
    ("2023.12.01", "2023-12-01"),
])
def test_full_dates(text, iso):
    assert first_date(text) == iso


def test_invalid_and_partial_dates_are_not_full_dates():
    assert first_date("2023-02-30") is None
    assert first_date("July 23") is None
    assert first_date("in 2024 the company") is None
    assert first_date("call 2024-13-01") is None
    assert find_dates("") == []


def test_spans_and_order():
    text = "Signed on 2021-05-04, announced July 1, 2021."
    found = find_dates(text)
    assert [d.iso for d in found] == ["2021-05-04", "2021-07-01"]
    for d in found:
        assert first_date(text[d.start : d.end]) == d.iso


def test_resolve_date_against_reference():
    assert resolve_date("On July 23, the two parties signed", "2024-07-26") == "2024-07-23"
    # a month after the reference date belongs to the previous year
    assert resolve_date("On December 30 they met", "2024-01-10") == "2023-12-30"
    # the latest such weekday on or before the reference (2024-07-26 is a Friday)
    assert resolve_date("signed on Monday in Beijing", "2024-07-26") == "2024-07-22"
    assert resolve_date("On September 15th, the ceremony", "2022-09-20") == "2022-09-15"
    assert resolve_date("signed on 2020-01-02", None) == "2020-01-02"
    assert resolve_date("signed on Monday", None) is None
    assert resolve_date("no date at all", "2024-07-26") is None
    # days said relative to the article's date
    assert resolve_date("the two firms yesterday entered into", "2025-11-06") == "2025-11-05"
    assert resolve_date("will sign today", "2025-11-06") == "2025-11-06"
    assert resolve_date("signed yesterday", None) is None
