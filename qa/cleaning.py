"""Tell article text from web-page debris, and read the metadata in the header.

Works on :class:`~qa.textmap.Block` lists (one block per line or HTML block)
and only *classifies and trims* blocks, so character offsets into the source
file never change. The rules are general (shape of a line, where it sits,
common labels of news sites), not a list of one site's strings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import find_dates
from .textmap import Block

TERMINAL = tuple('.!?。！？"”’)')
WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+", re.UNICODE)

# "Label: value" lines that carry metadata rather than article text.
META_LABEL_RE = re.compile(
    r"^\s*(?P<label>time|date|dated|published(?:\s+on)?|posted(?:\s+on)?|updated(?:\s+on)?|release\s+time|"
    r"source|from|author|authors|by|written\s+by|reporter|reported\s+by|correspondent|writer|"
    r"edit|editor|edited\s+by|responsible\s+editor|chief\s+editor|translator|translated\s+by|"
    r"photo|photos|photographer|image|credit|contributor|contributed\s+by)\s*[:：]\s*(?P<value>.*)$",
    re.I,
)
# Lines made of navigation or footer words only (any site: menus, share bars, legal notes).
NAV_WORDS = {
    "home", "top", "back", "to", "next", "previous", "prev", "more", "news", "hot", "info", "latest",
    "special", "reports", "report", "links", "link", "related", "recommended", "reading", "read",
    "change", "it", "share", "print", "email", "e-mail", "comment", "comments", "subscribe", "login",
    "log", "in", "sign", "up", "menu", "search", "tags", "tag", "topics", "topic", "video", "videos",
    "photos", "photo", "gallery", "advertisement", "ad", "sponsored", "follow", "us", "on", "contact",
    "about", "privacy", "policy", "terms", "of", "use", "copyright", "sitemap", "rss", "feedback",
    "headlines", "trending", "popular", "most", "viewed", "click", "here", "page", "and", "the",
    "a", "all", "rights", "reserved", "en", "cn", "english", "chinese", "language", "close", "open",
    "culture", "sports", "business", "world", "china", "opinion", "society", "tech", "science",
    "politics", "economy", "finance", "education", "health", "travel", "lifestyle", "entertainment",
    "editor's", "pick", "picks", "focus", "view", "views", "column", "columns", "feature", "features",
    "today", "now", "live", "breaking", "updates", "update", "twitter", "facebook", "weibo", "wechat",
    "this", "article", "story", "stories", "markets", "market", "newsletter", "newsletters", "with", "your",
    "friends", "linkedin", "whatsapp", "instagram", "youtube", "telegram", "x", "copy", "url", "save", "bookmark",
    "for", "later", "listen", "watch", "audio", "podcast", "podcasts", "account", "my", "register", "member",
    "members", "skip", "content", "main", "navigation", "nav", "sections", "section", "archive", "archives",
    "local", "national", "international", "weather", "style", "arts", "food", "books", "jobs", "events",
    "uk", "us", "europe", "asia", "africa", "americas", "middle", "east", "newsroom", "press", "releases",
    "our", "get", "free", "daily", "weekly", "alerts", "notifications", "app", "download",
}
# A menu or share bar: short items separated by "|", "·", "•" or "/" (e.g. "Home | World | Markets").
MENU_SEP_RE = re.compile(r"\s*[|·•»›]\s*|\s+/\s+")
# Lines that point to other articles or label the page, not article text.
LINK_LINE_RE = re.compile(
    r"^\W*(?:read\s+more|read\s+also|also\s+read|see\s+also|related(?:\s+(?:articles?|stories|story|coverage|news|content|topics?))?|"
    r"more\s+on\s+this(?:\s+story)?|more\s+from\b.*|recommended(?:\s+for\s+you)?|you\s+may\s+also\s+like|"
    r"tags?|topics?|keywords?|categor(?:y|ies)|filed\s+under|sections?|share(?:\s+this(?:\s+article|\s+story)?)?|"
    r"follow\s+us|advertisement|sponsored(?:\s+content)?|(?:image|photo|picture|video)\s+(?:caption|credit|source)|"
    r"caption)\s*[:：]",
    re.I,
)
# Credit lines at the foot of wire stories ("Reporting by A; Editing by B").
CREDITS_RE = re.compile(
    r"^\W*(?:(?:additional\s+)?reporting|writing|editing|edited|compiled|photos?|graphics?|produced|"
    r"translated|illustrations?)\s+by\s+\S", re.I)
# "Posted on July 26, 2024 by Sam Lee", "Published 3 March 2023, 10:00", "Updated: ..." (a date is required).
DATED_LINE_RE = re.compile(r"^\W*(?:first\s+)?(?:published|posted|updated|last\s+updated|released|issued)\b(?:\s+on\b)?",
                           re.I)
BY_IN_LINE_RE = re.compile(r"\bby\s+(?P<name>[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3})")
FOOTER_RE = re.compile(
    r"^\s*(?:copyright\b|©|\(c\)\s*\d{4}|all rights reserved|special statement|statement\s*[:：]|disclaimer|"
    r"if (?:the )?(?:pictures|texts|images|content)\b.*\b(?:infringe|copyright)|"
    r"please contact\b|for copyright|reproduction\b.*\bprohibited|"
    r"(?:tel|phone|fax|e-?mail|address)\s*[:：])",
    re.I,
)
IMAGE_RE = re.compile(
    r"^(?:[\w\-]*\d[\w\-]*_\d+x\d+[\w\-]*|\d{2,5}\s*[x×*]\s*\d{2,5}|[\w\-]+\.(?:jpe?g|png|gif|webp|bmp|svg)|"
    r"\[?(?:image|photo|picture|img|figure)\s*\d*\]?)$",
    re.I,
)
URL_RE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.I)
_NAME = r"[A-Z][\w.'’\-]+(?:\s+(?:[A-Z][\w.'’\-]+|(?:bin|binti|bte|ibn|van|von|de|da|del|der|di|du|dos|le|la|al|el|a/l)(?=\s+[A-Z]))){0,4}"
# "By Jane Doe", "By Jane Doe and John Roe", "By Jane Doe | Reuters", "By JANE DOE, Staff Writer".
BYLINE_RE = re.compile(
    r"^\W*(?:[Bb]y|BY|[Ff]rom|FROM)\s+(?P<name>" + _NAME + r"(?:\s*(?:,|and|&)\s*" + _NAME + r")*?)"
    r"\s*(?:[|/·•,;—–\-]\s*(?P<source>[A-Z][\w.&'’\- ]{1,50}?))?\W*$")
# "(Reporting by Jane Doe and John Roe; Editing by Sam Lee)": the reporters a wire story ends with.
REPORTING_BY_RE = re.compile(r"^\W*(?i:reporting\s+by)\s+(?P<name>" + _NAME +
                             r"(?:\s*(?:,|and|&)\s*" + _NAME + r")*?)\s*(?:[;,)]|\s+in\s|$)")
# "PRESS STATEMENT", "Media release", "For immediate release": what kind of text follows, not who wrote it.
RELEASE_LABEL_RE = re.compile(r"^\W*(?:(?:press|media|news)\s+(?:statement|release)|for\s+immediate\s+release)\W*$",
                              re.I)
# A byline that names no one: "Staff reporter", "By Our Correspondent", "Special Correspondent", "Agencies".
STAFF_BYLINE_RE = re.compile(r"^\W*(?:by\s+)?(?:(?:our|a|the)\s+)?(?:staff|special|own|senior|foreign|city|business)?\s*"
                             r"(?:reporter|writer|correspondent|desk)s?\W*$|^\W*(?:agencies|wire services)\W*$", re.I)
# A token that is debris wherever it sits: mixed scripts glued with underscores, long hex ids ...
JUNK_TOKEN_RE = re.compile(r"^(?:\w*_\w*[^\x00-\x7f]\w*|\w*[^\x00-\x7f]\w*_\w*|[0-9a-f]{16,}|[\w\-]*\d+_\d+x\d+\w*)$", re.I)


def words(text: str) -> list[str]:
    """The word tokens of ``text``."""
    return WORD_RE.findall(text)


def _is_name_like(text: str) -> bool:
    toks = text.split()
    return 1 < len(toks) <= 4 and all(t[:1].isupper() and t.replace(".", "").replace("-", "").isalpha() for t in toks)


def _is_nav(text: str) -> bool:
    """Navigation/share/footer words only, or a menu of short items ("Home | World | Markets")."""
    toks = [w.lower() for w in words(text)]
    if bool(toks) and len(toks) <= 6 and all(t in NAV_WORDS for t in toks):
        return True
    items = [x for x in MENU_SEP_RE.split(text.strip()) if x.strip()]
    return (len(items) >= 3 and not text.rstrip().endswith(TERMINAL)
            and all(len(words(x)) <= 3 and not find_dates(x) for x in items))


def _date_covers(text: str) -> bool:
    """True when a date is the main content of the line (a dateline)."""
    dates = find_dates(text)
    if not dates:
        return False
    rest = text[: dates[0].start] + text[dates[0].end :]
    rest_words = [w for w in words(rest) if not w.isdigit()]
    return len(rest_words) <= 3


def trim_junk(block: Block) -> Block:
    """Drop debris tokens (image ids, mixed-script spam tokens) at the edges of a block."""
    changed = True
    while changed and block.text:
        changed = False
        toks = block.text.split()
        if toks and (JUNK_TOKEN_RE.match(toks[-1]) or IMAGE_RE.match(toks[-1])) and len(toks) > 1:
            block = block.sub(0, block.text.rstrip().rfind(toks[-1])).strip()
            changed = True
        toks = block.text.split()
        if toks and (JUNK_TOKEN_RE.match(toks[0]) or IMAGE_RE.match(toks[0])) and len(toks) > 1:
            block = block.sub(len(toks[0]), len(block.text)).strip()
            changed = True
    return block


@dataclass
class Metadata:
    title: str | None = None
    date: str | None = None
    author: str | None = None
    source: str | None = None


def is_prose(text: str) -> bool:
    """A line that reads like article text: a sentence, or a long line."""
    n = len(words(text))
    return n >= 12 or (n >= 5 and text.rstrip().endswith(TERMINAL))


def classify(blocks: list[Block], title_hint: str | None = None) -> Metadata:
    """Mark each block's ``kind`` in place and return the metadata found.

    Header = blocks before the first prose block; footer = short blocks after the
    last prose block. Both are scanned for a title, a date, an author and a source.
    """
    meta = Metadata()
    h1 = next((i for i, b in enumerate(blocks[:3]) if b.label == "h1" and words(b.text)), None)
    title_at = None if title_hint else (h1 if h1 is not None else _title_index(blocks))
    prose = [i for i, b in enumerate(blocks) if i != title_at and is_prose(b.text)]
    first_prose = prose[0] if prose else len(blocks)
    last_prose = prose[-1] if prose else -1

    for i, b in enumerate(blocks):
        text = b.text.strip()
        n_words = len(words(text))
        m = META_LABEL_RE.match(text)
        if i == title_at:
            b.kind, b.label = "title", "title"
            meta.title = text
        elif not text or not any(ch.isalnum() for ch in text):
            b.kind, b.label = "boilerplate", "no words"
        elif IMAGE_RE.match(text) or all(JUNK_TOKEN_RE.match(t) or IMAGE_RE.match(t) for t in text.split()):
            b.kind, b.label = "boilerplate", "image placeholder"
        elif FOOTER_RE.match(text) or (URL_RE.search(text) and n_words <= 12):
            b.kind, b.label = "boilerplate", "footer/legal"
        elif LINK_LINE_RE.match(text) and n_words <= 25:
            b.kind, b.label = "boilerplate", "links/tags"
        elif CREDITS_RE.match(text) and n_words <= 20 and i > last_prose - 2:
            b.kind, b.label = "meta", "credits"
            rep = REPORTING_BY_RE.match(text)
            if rep and meta.author is None:  # "(Reporting by A; editing by B)": A wrote it
                b.label = "reporting by"
                meta.author = rep.group("name")
        elif DATED_LINE_RE.match(text) and find_dates(text) and n_words <= 16 and (i <= first_prose + 1
                                                                                     or i > last_prose):
            b.kind, b.label = "meta", "date"
            if meta.date is None:
                meta.date = find_dates(text)[0].iso
            by = BY_IN_LINE_RE.search(text)
            if by and meta.author is None:
                meta.author = by.group("name")
        elif m and (n_words <= 14 or i < first_prose):
            b.kind, b.label = "meta", m.group("label").lower()
            _take_label(meta, m.group("label").lower(), m.group("value"), text)
        elif i <= first_prose + 1 and _date_covers(text):
            b.kind, b.label = "meta", "date"
            if meta.date is None:
                meta.date = find_dates(text)[0].iso
        elif _is_nav(text) and not is_prose(text):
            b.kind, b.label = "boilerplate", "navigation"
        elif i < first_prose and RELEASE_LABEL_RE.match(text):
            b.kind, b.label = "boilerplate", "release label"
        elif i < first_prose and meta.title is not None and meta.source is None and n_words <= 10 and \
                not text.endswith(TERMINAL) and any(x.kind == "meta" and x.label in ("date", "byline")
                                                    for x in blocks[:i]) and \
                not BYLINE_RE.match(text) and not STAFF_BYLINE_RE.match(text) and \
                not (meta.author is None and _is_name_like(text)):
            # "Xinhua", "Andes Wire", "University News, Tammerkoski University": the outlet's line after the
            # date line or byline (a name-like line there is the author unless a byline named one)
            b.kind, b.label = "meta", "source"
            meta.source = text
        elif i < first_prose and (BYLINE_RE.match(text) or (_is_name_like(text) and meta.title is not None)
                                  or (STAFF_BYLINE_RE.match(text) and meta.title is not None)):
            b.kind, b.label = "meta", "byline"
            bm = BYLINE_RE.match(text)
            if meta.author is None:
                meta.author = bm.group("name") if bm else text
            if bm and bm.group("source") and meta.source is None:
                meta.source = bm.group("source").strip()
        elif i < first_prose:
            if meta.title is None and n_words >= 3:
                b.kind, b.label = "title", "title"
                meta.title = text
            elif n_words <= 2:
                b.kind, b.label = "boilerplate", "short header line"
            else:
                b.kind, b.label = "body", "standfirst"
        elif i > last_prose and not is_prose(text) and n_words <= 8:
            b.kind, b.label = "boilerplate", "short footer line"
        elif n_words <= 2 and not text.endswith(TERMINAL):
            if _is_name_like(text) and i < first_prose + 3:
                b.kind, b.label = "meta", "byline"
                meta.author = meta.author or text
            else:
                b.kind, b.label = "boilerplate", "stray short line"
        else:
            b.kind, b.label = "body", "text"
    if title_hint:
        meta.title = title_hint
    if meta.date is None:  # a date anywhere in the first few lines
        head = " ".join(b.text for b in blocks[: max(first_prose, 0) + 1])
        dates = find_dates(head)
        meta.date = dates[0].iso if dates else None
    return meta


def _is_debris(text: str) -> bool:
    return (not any(ch.isalnum() for ch in text) or bool(IMAGE_RE.match(text)) or bool(FOOTER_RE.match(text))
            or bool(META_LABEL_RE.match(text)) or bool(LINK_LINE_RE.match(text)) or _is_nav(text)
            or _date_covers(text) or bool(DATED_LINE_RE.match(text) and find_dates(text)))


def _title_index(blocks: list[Block]) -> int | None:
    """The headline: among the first lines, the first of 3-40 words that is not a sentence."""
    for i, b in enumerate(blocks[:5]):
        text = b.text.strip()
        if _is_debris(text) or BYLINE_RE.match(text):
            continue
        n = len(words(text))
        if 3 <= n <= 40 and not text.endswith((".", "。")):
            return i
        if n >= 3:
            return None  # the article starts with prose: no headline line
    return None


def _take_label(meta: Metadata, label: str, value: str, line: str) -> None:
    # "Source: China Newsline | Editor: Sun Yue | 2026-03-16 21:08": the value ends at the next field
    value = re.split(r"\s+[|·•]\s+", value.strip())[0].strip()
    if label in {"time", "date", "dated", "published", "published on", "posted", "posted on", "updated",
                 "updated on", "release time"}:
        dates = find_dates(line)
        if dates and meta.date is None:
            meta.date = dates[0].iso
    elif label in {"source", "from"} and value and meta.source is None:
        meta.source = value
    elif label in {"author", "authors", "by", "written by", "reporter", "reported by", "correspondent", "writer"}:
        if value and meta.author is None:
            meta.author = value
