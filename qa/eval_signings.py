"""``python -m qa eval-signings FILE.json``: score signing extraction against expected events.

The file lists, per document of a folder, the signings a reader of the article would write down::

    {"docs_dir": "../seeds",            # relative to the file (or give --docs)
     "docs": {"a.txt": [{"parties": ["X", "Y"], "signatories": ["Ann Lee", "Bo Chan"],
                         "agreement": "supply deal", "date": "2025-06-18", "place": "Lyon"}],
              "b.txt": []}}            # an article without a signing

Extraction runs on each listed document exactly as at index time (no embedding, no index). An
expected event is *found* when an extracted event of its document shares a party or a signatory with
it; it is *right* when the parties and the signatories both match as sets. Each field is scored over
the found events: names match when one's words contain the other's (case, "the" and a possessive "'s" ignored), the
agreement when the expected words are all in the extracted one, the date exactly, the place by
containment. A field given as null expects nothing extracted.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

FIELDS = ("parties", "signatories", "agreement", "date", "place")
_DROP = {"the", "of", "and", "a", "an", "'s", "’s"}


def _words(text: str | None) -> set[str]:
    words = (re.sub(r"['’]s$", "", w) for w in re.findall(r"[\w'’-]+", (text or "").lower()))
    return {w for w in words if w and w not in _DROP}


def same_name(a: str, b: str) -> bool:
    """Whether two names are the same (one's words contain the other's)."""
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and (wa <= wb or wb <= wa)


def _same_set(expected: list[str], got: list[str]) -> bool:
    return len(expected) == len(got) and all(any(same_name(e, g) for g in got) for e in expected) and \
        all(any(same_name(g, e) for e in expected) for g in got)


def _field_ok(name: str, expected, got: dict) -> bool:
    if name == "parties":
        return _same_set(expected or [], got.get("parties") or [])
    if name == "signatories":
        return _same_set(expected or [], [s["name"] for s in got.get("signatories") or []])
    value = got.get(name)
    if expected is None:
        return value is None
    if value is None:
        return False
    if name == "date":
        return str(expected) == str(value)
    if name == "agreement":
        return _words(expected) <= _words(value)
    return same_name(expected, value)  # place


def _overlap(expected: dict, got: dict) -> int:
    parties = sum(any(same_name(p, g) for g in got.get("parties") or []) for p in expected.get("parties") or [])
    people = sum(any(same_name(p, s["name"]) for s in got.get("signatories") or [])
                 for p in expected.get("signatories") or [])
    return parties + people


def _match(expected: list[dict], got: list[dict]) -> list[tuple[int, int]]:
    """Pairs (expected, extracted) sharing a party or a signatory, greedily by most names in common."""
    scored = sorted(((_overlap(e, g), i, j) for i, e in enumerate(expected) for j, g in enumerate(got)),
                    key=lambda x: (-x[0], x[1], x[2]))
    used_e, used_g, pairs = set(), set(), []
    for score, i, j in scored:
        if score > 0 and i not in used_e and j not in used_g:
            used_e.add(i)
            used_g.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def extract_folder(docs_dir: Path, names: list[str]) -> dict[str, list[dict]]:
    """The signing events of each named document of ``docs_dir``, extracted by the indexer's own code."""
    from .config import load_config
    from .documents import load_document
    from .indexer import _extract, _from_document

    cfg = load_config()
    docs = []
    for name in names:
        doc = load_document(docs_dir / name, docs_dir)
        doc.doc_id = name
        docs.append(_from_document(doc, cfg))
    _extract(docs, progress=False)
    return {dd.doc_id: dd.facts["signings"] for dd in docs}


def score(gold: dict[str, list[dict]], got: dict[str, list[dict]]) -> dict:
    """Event precision/recall, events right in parties and signatories, and per-field accuracy."""
    n_gold = sum(len(v) for v in gold.values())
    n_got = sum(len(got.get(d, [])) for d in gold)
    found = right = 0
    fields = {f: 0 for f in FIELDS}
    misses = []
    for doc, expected in gold.items():
        extracted = got.get(doc, [])
        pairs = _match(expected, extracted)
        found += len(pairs)
        matched = {i for i, _ in pairs}
        for i, e in enumerate(expected):
            if i not in matched:
                misses.append({"doc": doc, "expected": e, "why": "not found"})
        for j, g in enumerate(extracted):
            if j not in {b for _, b in pairs}:
                misses.append({"doc": doc, "extracted": {k: g.get(k) for k in FIELDS}, "why": "not expected"})
        for i, j in pairs:
            e, g = expected[i], extracted[j]
            wrong = []
            for f in FIELDS:
                if f not in e:  # a field the file does not score
                    fields[f] += 1
                    continue
                if _field_ok(f, e[f], g):
                    fields[f] += 1
                else:
                    wrong.append(f)
            if "parties" not in wrong and "signatories" not in wrong:
                right += 1
            if wrong:
                got_f = {f: ([s["name"] for s in g["signatories"]] if f == "signatories" else g.get(f)) for f in wrong}
                misses.append({"doc": doc, "wrong": {f: {"expected": e.get(f), "extracted": got_f[f]} for f in wrong}})

    def rate(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    return {"expected_events": n_gold, "extracted_events": n_got, "found": found,
            "event_precision": rate(found, n_got), "event_recall": rate(found, n_gold),
            "right_parties_and_signatories": right, "right_rate": rate(right, n_gold),
            "field_accuracy": {f: rate(v, found) for f, v in fields.items()}, "misses": misses}


def evaluate_file(path: Path, docs_dir: Path | None = None) -> dict:
    """Score extraction on the documents an expected-events file lists."""
    path = Path(path)
    spec = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(spec, dict) or not isinstance(spec.get("docs"), dict):
        raise ValueError(f"{path}: expected an object with \"docs\": {{document: [events]}}")
    folder = Path(docs_dir) if docs_dir else (path.parent / spec.get("docs_dir", ".")).resolve()
    gold = spec["docs"]
    got = extract_folder(folder, list(gold))
    return {"file": str(path), "docs_dir": str(folder), "documents": len(gold), **score(gold, got)}


def main(args) -> int:
    try:
        result = evaluate_file(Path(args.file), Path(args.docs) if args.docs else None)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return 0
    fa = result["field_accuracy"]
    print(f"{result['documents']} documents, {result['expected_events']} expected signings, "
          f"{result['extracted_events']} extracted")
    print(f"events: found {result['found']}, precision {result['event_precision']}, recall {result['event_recall']}; "
          f"right parties and signatories: {result['right_parties_and_signatories']} ({result['right_rate']})")
    print("fields (over found events): " + ", ".join(f"{k} {v}" for k, v in fa.items()))
    for m in result["misses"]:
        print("  miss: " + json.dumps(m, ensure_ascii=False))
    return 0


def add_parser(sub) -> None:
    s = sub.add_parser("eval-signings", help="score signing extraction against a file of expected events")
    s.add_argument("file", help="JSON file: {\"docs_dir\": ..., \"docs\": {document: [expected events]}}")
    s.add_argument("--docs", help="folder of the documents (default: the file's docs_dir)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=main)
