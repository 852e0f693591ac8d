"""Read the text of an HTML page as blocks that map back to the page source.

Uses the standard library's tolerant ``html.parser`` because it reports where in
the source each piece of text sits, which lxml/BeautifulSoup do not; entities
are decoded but keep their raw span, so quotes stay exact slices of the file.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from .dates import first_date
from .textmap import Block, TextBuilder

SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "math", "head", "nav", "footer", "aside",
             "form", "button", "select", "option", "iframe", "object", "embed", "canvas", "menu", "dialog"}
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "br", "tr", "td", "th", "table",
              "section", "article", "header", "main", "blockquote", "pre", "dd", "dt", "dl", "figcaption",
              "figure", "hr", "body", "html", "address", "caption", "summary", "details", "title"}
#: "&#" that does not start a character reference: html.parser stalls on it and would return the rest of
#: the page, tags included, as text. It is fed as a same-length placeholder, so offsets do not move.
BAD_CHARREF_RE = re.compile(r"&(?=#(?![0-9]|[xX][0-9a-fA-F]))")
PLACEHOLDER = "\x01"
VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "wbr", "source", "track", "param"}


class _Reader(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.line_starts.append(i + 1)
        self.blocks: list[Block] = []
        self.builder = TextBuilder()
        self.skip_depth = 0
        self.stack: list[str] = []
        self.in_title = False
        self.title_parts: list[str] = []
        self.h1: str | None = None
        self.current_block_tag = ""
        self.meta: dict[str, str] = {}

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _flush(self) -> None:
        block = self.builder.take()
        if block is not None:
            block.label = self.current_block_tag
            if self.current_block_tag == "h1" and self.h1 is None:
                self.h1 = block.text
            self.blocks.append(block)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
            if key and attrs.get("content"):
                self.meta.setdefault(key, attrs["content"])
            return
        if tag == "time" and attrs.get("datetime"):
            self.meta.setdefault("time", attrs["datetime"])
        if tag == "title":
            self.in_title = True
        if tag in SKIP_TAGS and tag != "head":
            if tag not in VOID_TAGS:
                self.skip_depth += 1
                self.stack.append(tag)
            return
        if tag in BLOCK_TAGS:
            self._flush()
            self.current_block_tag = tag

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in SKIP_TAGS and tag not in VOID_TAGS and self.stack and self.stack[-1] == tag:
            self.stack.pop()
            self.skip_depth -= 1

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
            return
        if tag in SKIP_TAGS and tag != "head":
            if tag in self.stack:
                while self.stack:
                    top = self.stack.pop()
                    self.skip_depth -= 1
                    if top == tag:
                        break
            return
        if tag in BLOCK_TAGS:
            self._flush()
            self.current_block_tag = ""

    def handle_data(self, data):
        data = data.replace(PLACEHOLDER, "&")
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.skip_depth:
            return
        self.builder.add(data, self._offset())

    def _entity(self, raw: str, value: str):
        if self.in_title:
            self.title_parts.append(value)
            return
        if self.skip_depth:
            return
        start = self._offset()
        self.builder.add(value, start, start + len(raw))

    def handle_entityref(self, name):
        raw = f"&{name};" if self.text.startswith(f"&{name};", self._offset()) else f"&{name}"
        self._entity(raw, html.unescape(raw))

    def handle_charref(self, name):
        start = self._offset()
        end = self.text.find(";", start, start + 12)
        raw = self.text[start : end + 1] if end != -1 else f"&#{name}"
        self._entity(raw, html.unescape(raw))

    def close(self):
        super().close()
        self._flush()


def read_html(text: str) -> tuple[list[Block], dict[str, str | None]]:
    """Blocks of visible text and page metadata (title, date, author) of an HTML page."""
    reader = _Reader(text)
    reader.feed(BAD_CHARREF_RE.sub(PLACEHOLDER, text) if "&#" in text and PLACEHOLDER not in text else text)
    reader.close()
    meta = reader.meta
    title = (meta.get("og:title") or reader.h1 or " ".join("".join(reader.title_parts).split()) or None)
    date_src = " ".join(
        v for k, v in meta.items()
        if k in {"article:published_time", "date", "pubdate", "publishdate", "datepublished", "time",
                 "og:published_time", "dc.date", "publication_date"}
    )
    return reader.blocks, {
        "title": html.unescape(title).strip() if title else None,
        "date": first_date(date_src) if date_src else None,
        "author": meta.get("author") or meta.get("article:author"),
        "source": meta.get("og:site_name"),
    }


FRAGMENT_RE = re.compile(r"<[^>]*>|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_fragment(raw: str) -> Block:
    """The visible text of a slice of an HTML page (a quote): entities decoded, tags as spaces,
    each character mapped back into ``raw`` so spans found in the text are exact slices of it."""
    b = TextBuilder()
    pos = 0
    for m in FRAGMENT_RE.finditer(raw):
        b.add(raw[pos : m.start()], pos)
        token = m.group(0)
        b.add(" " if token.startswith("<") else html.unescape(token), m.start(), m.end())
        pos = m.end()
    b.add(raw[pos:], pos)
    return b.take() or Block("", 0, [], [])
