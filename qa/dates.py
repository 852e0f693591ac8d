"""Find and normalise dates in article text (ISO ``YYYY-MM-DD``)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH = r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"

DATE_PATTERNS = [
    re.compile(r"(?<!\d)" + _YEAR + r"\s*[/.\-年]\s*(?P<m>\d{1,2})\s*[/.\-月]\s*(?P<day>\d{1,2})日?(?!\d)"),
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b", re.I),
    re.compile(r"\b" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"\b", re.I),
]
#: A month and day without a year ("July 23", "23 July", "September 15th").
PARTIAL_DATE = re.compile(r"\b(?:" + _MONTH + r"\s+" + _DAY + r"|" + _DAY.replace("day", "day2") + r"\s+(?:of\s+)?" + _MONTH.replace("mon", "mon2") + r")\b", re.I)
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAY_RE = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)
#: Days said relative to the article's date.
RELATIVE_DAYS = {"yesterday": -1, "today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0}
RELATIVE_RE = re.compile(r"\b(" + "|".join(RELATIVE_DAYS) + r")\b", re.I)


@dataclass
class DateMatch:
    iso: str
    start: int
    end: int


def _make(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str) -> list[DateMatch]:
    """All full dates (with a year) in ``text``, in order of appearance."""
    found: list[DateMatch] = []
    for pat in DATE_PATTERNS:
        for m in pat.finditer(text):
            g = m.groupdict()
            month = int(g["m"]) if g.get("m") else MONTHS[g["mon"].lower().rstrip(".")]
            iso = _make(int(g["year"]), month, int(g["day"]))
            if iso and not any(d.start <= m.start() < d.end for d in found):
                found.append(DateMatch(iso, m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


def first_date(text: str) -> str | None:
    """The first full date in ``text`` as ISO, or None."""
    dates = find_dates(text)
    return dates[0].iso if dates else None


def resolve_date(text: str, reference: str | None) -> str | None:
    """Resolve the date a sentence talks about against the article's date.

    Full dates win; "July 23" takes the reference year (the previous year if that
    would put it after the reference); "on Monday" is the latest such weekday on
    or before the reference date; "yesterday" is the day before it, "today" the day itself.
    """
    full = find_dates(text)
    if full:
        return full[0].iso
    ref = date.fromisoformat(reference) if reference else None
    m = PARTIAL_DATE.search(text)
    if m and ref:
        g = m.groupdict()
        mon = (g.get("mon") or g.get("mon2") or "").lower().rstrip(".")
        day = int(g.get("day") or g.get("day2"))
        iso = _make(ref.year, MONTHS[mon], day)
        if iso and iso > ref.isoformat():
            iso = _make(ref.year - 1, MONTHS[mon], day)
        return iso
    w = WEEKDAY_RE.search(text)
    if w and ref:
        target = WEEKDAYS.index(w.group(1).lower())
        back = (ref.weekday() - target) % 7
        return (ref - timedelta(days=back)).isoformat()
    r = RELATIVE_RE.search(text)
    if r and ref:
        return (ref + timedelta(days=RELATIVE_DAYS[r.group(1).lower()])).isoformat()
    return None
