"""What the class service accepts: a learner's POSTed records, checked as untrusted input.

A body is the ``casebook-kit-sync`` document (see docs/class-service.md). Each record is
checked exactly as the kit's readers check a line of a live log
(:func:`kit.decisions.formats.parse_record`, then the case file's ids with
:class:`kit.decisions.checks.Vocab`); the first problem refuses the whole request with a
message naming the record's index and the field.

>>> import kit
>>> from kit.decisions.checks import vocab_for
>>> vocab = vocab_for(kit.load_casebook())
>>> body = {"format": SYNC_FORMAT, "version": 1, "learner": "ana", "records": [
...     {"type": "decision", "item_id": "nope", "rules": [], "action": "none",
...      "rationale": "", "decided_at": "2024-05-01T12:00:00Z"}]}
>>> check_body(json.dumps(body).encode(), "ana", vocab)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kit.service.checks.Refused: records[0]: item_id: 'nope' is not an item in the case file...
"""
from __future__ import annotations

import json

from ..decisions.checks import Bad, Newer, check_fields, check_version, same_name, show
from ..decisions.formats import parse_record, strict_json

SYNC_FORMAT = "casebook-kit-sync"
SYNC_VERSION = 1
MAX_BODY = 2 * 1024 * 1024       # bytes in one POST
MAX_RECORDS = 5_000              # records in one POST
INLINE_BODY = 16 * 1024          # bodies up to this are checked on the event loop
BODY_FIELDS = ("format", "version", "learner", "records")


class Refused(Exception):
    """A request the service refuses: ``status`` (400, 403, 413) and a plain sentence."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _load(raw: bytes):
    if len(raw) > MAX_BODY:
        raise Refused(413, f"the request is {len(raw):,} bytes; at most {MAX_BODY:,} are "
                      "allowed: send the records in smaller batches")
    try:
        return strict_json(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Refused(400, "the request body is not UTF-8 text") from None
    except RecursionError:
        raise Refused(400, "the request body is nested too deeply") from None
    except ValueError as e:
        raise Refused(400, f"the request body is not valid JSON ({str(e)[:100]})") from None


def _header(doc, user: str):
    if not isinstance(doc, dict):
        raise Refused(400, f"the request body should be a JSON object {{...}}, not {show(doc)}")
    if doc.get("format") != SYNC_FORMAT:
        raise Refused(400, f"its format is {show(doc.get('format'))}, not {SYNC_FORMAT!r}")
    try:
        check_version(doc, SYNC_VERSION, "class sync")
        check_fields(doc, BODY_FIELDS, "the request body")
    except Newer as e:
        raise Refused(400, "the request " + e.msg) from None
    except Bad as b:
        raise Refused(400, b.text()) from None
    learner = doc["learner"]
    if not isinstance(learner, str) or not same_name(learner, user):
        raise Refused(403, f"you are signed in as {user!r} and can send only your own records, "
                      f"not those of {show(learner)}")
    recs = doc["records"]
    if not isinstance(recs, list):
        raise Refused(400, f"records: should be a list [...], not {show(recs)}")
    if len(recs) > MAX_RECORDS:
        raise Refused(413, f"records: {len(recs):,} records in one request; at most "
                      f"{MAX_RECORDS:,} are allowed: send them in smaller batches")
    return recs


def check_record(obj, vocab) -> dict:
    """One untrusted record -> the checked, normalised record (raises Bad)."""
    rec = parse_record(obj)
    if rec["type"] == "decision":
        rec["rules"] = vocab.check(rec)
    return rec


def check_body(raw: bytes, user: str, vocab) -> list:
    """A POST body from hub user ``user`` -> their checked records, in order.

    Raises :class:`Refused`: 413 (too big), 403 (another learner's name), 400 (anything
    else, naming ``records[i]`` and the field)."""
    recs = _header(_load(raw), user)
    out = []
    for n, obj in enumerate(recs):
        try:
            out.append(check_record(obj, vocab))
        except Bad as b:
            raise Refused(400, f"records[{n}]: {b.text()}") from None
    return out


def parse_cursor(text) -> int:
    """The ``since`` query argument -> a cursor (0 when absent); Refused(400) when bad."""
    if text is None or text == "":
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise Refused(400, f"since: should be a cursor (a whole number >= 0) from an earlier "
                      f"reply, not {show(text)}")
    return int(text)


def dumps(obj) -> bytes:
    """JSON as the service sends it (UTF-8, not ASCII-escaped)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
