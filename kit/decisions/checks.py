"""Value checks for decisions and answers: ids, actions, rules, names, texts and times.

Each check takes a value and the field it came from, and returns the value
(normalised) or raises :class:`Bad`, a small exception the readers and the log
turn into a :class:`kit.KitDataError` naming the file, row or field.

>>> check_time("2024-05-01T14:00:00+02:00", "decided_at")
'2024-05-01T12:00:00.000000Z'
>>> check_ident("not an id!", "item_id", "item id")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kit.decisions.checks.Bad: 'not an id!' is not a valid item id (letters, digits, _ . - only)
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
import weakref

from ..casebook import ID_RE
from ..errors import KitDataError
from ..words import not_on_ladder

MAX_TEXT = 5000            # characters in a rationale or one answer
MAX_ANSWER_PARTS = 100     # choices in a list answer
MAX_RULES = 50             # rule ids in one decision
MAX_NAME = 100             # characters in a learner's name as shown

#: How the kit writes every time (UTC, microseconds, ``Z``).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_NAME_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: Bidirectional control characters: they can make one name look like another, so refused.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                          "\u200e\u200f\u061c")

DECISION_FIELDS = ("item_id", "rules", "action", "rationale", "decided_at")
ANSWER_FIELDS = ("section", "question_id", "answer", "rationale", "answered_at")


class Bad(Exception):
    """A value failed a check; ``field`` says which (filled in by the caller)."""

    def __init__(self, msg, field=None):
        super().__init__(msg)
        self.msg, self.field = msg, field

    def text(self):
        return f"{self.field}: {self.msg}" if self.field else self.msg


class Newer(Bad):
    """A file made by a newer kit than this one (its own, clear problem)."""

    def __init__(self, version, newest):
        super().__init__(f"was made by a newer kit (format version {version}; this kit reads up "
                         f"to version {newest}): update the kit to read it")


def show(value) -> str:
    """A short, safe description of any value for a message (never a huge or nested repr).

    >>> show("x" * 50), show(None), show(True), show([1]), show({"a": 1})
    ("'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'", 'null', 'true', 'a list', 'an object {...}')
    """
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "…")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else "a huge number"
    if isinstance(value, float):
        return repr(value) if abs(value) < 1e15 or value != value else "a huge number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object {...}"
    return f"a {type(value).__name__}"


def now() -> str:
    """The current UTC time as the kit writes it."""
    return dt.datetime.now(dt.timezone.utc).strftime(TIME_FORMAT)


def check_text(value, field, limit=MAX_TEXT, empty_ok=True):
    if not isinstance(value, str):
        raise Bad(f"should be text, not {show(value)}", field)
    if len(value) > limit:
        raise Bad(f"is {len(value)} characters long; at most {limit} are allowed", field)
    if BAD_CHARS.search(value):
        raise Bad("contains control characters or broken Unicode", field)
    if not empty_ok and not value.strip():
        raise Bad("is empty", field)
    return value


def check_ident(value, field, what="id"):
    check_text(value, field, limit=100)
    if not ID_RE.match(value):
        raise Bad(f"{show(value)} is not a valid {what} (letters, digits, _ . - only)", field)
    return value


def check_time(value, field):
    """A time with a time zone, 2000-2200 -> the kit's UTC form."""
    check_text(value, field, limit=40)
    try:
        t = dt.datetime.fromisoformat(value)
        if t.tzinfo is None:
            raise Bad(f"{show(value)} has no time zone (write UTC times ending in Z)", field)
        t = t.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        raise Bad(f"{show(value)} is not a date and time like 2024-05-01T12:00:00Z",
                  field) from None
    if not 2000 <= t.year <= 2200:
        raise Bad(f"{show(value)} is not a plausible date (the year should be 2000-2200)", field)
    return t.strftime(TIME_FORMAT)


def check_int(value, field, lo, hi):
    if type(value) is not int:
        raise Bad(f"should be a whole number, not {show(value)}", field)
    if not lo <= value <= hi:
        raise Bad(f"{value} is out of range ({lo} to {hi})", field)
    return value


def check_fields(obj, names, subject):
    """Check that ``obj`` is a JSON object with exactly the fields ``names``."""
    if not isinstance(obj, dict):
        raise Bad(f"{subject} should be a JSON object {{...}}, not {show(obj)}")
    missing = [n for n in names if n not in obj]
    if missing:
        raise Bad(f"{subject} is missing the field(s) {', '.join(missing)}")
    extra = [k for k in obj if k not in names]
    if extra:
        shown = ", ".join(show(k) for k in extra[:5])
        raise Bad(f"{subject} has unknown field(s) {shown}; expected only {', '.join(names)}")


def check_rule_list(value, field):
    """A list of rule ids -> a tuple, duplicates dropped."""
    if not isinstance(value, (list, tuple)):
        raise Bad(f"should be a list of rule ids (empty for none), not {show(value)}", field)
    if len(value) > MAX_RULES:
        raise Bad(f"lists {len(value)} rules; at most {MAX_RULES} are allowed", field)
    out = []
    for n, rule in enumerate(value):
        check_ident(rule, f"{field}[{n}]", "rule id")
        if rule not in out:
            out.append(rule)
    return tuple(out)


def check_answer_value(value, field):
    if isinstance(value, str):
        return check_text(value, field)
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ANSWER_PARTS:
            raise Bad(f"has {len(value)} parts; at most {MAX_ANSWER_PARTS} are allowed", field)
        return tuple(check_text(v, f"{field}[{n}]") for n, v in enumerate(value))
    raise Bad(f"should be text or a list of texts, not {show(value)}", field)


def check_decision(obj, subject, revision=False):
    """A decision object (log line or export entry) -> normalised dict."""
    names = DECISION_FIELDS + (("revision",) if revision else ())
    check_fields(obj, names, subject)
    d = {"type": "decision",
         "item_id": check_ident(obj["item_id"], "item_id", "item id"),
         "rules": check_rule_list(obj["rules"], "rules"),
         "action": check_ident(obj["action"], "action", "action id"),
         "rationale": check_text(obj["rationale"], "rationale"),
         "decided_at": check_time(obj["decided_at"], "decided_at")}
    if revision:
        d["revision"] = check_int(obj["revision"], "revision", 1, 10**6)
    return d


def check_answer(obj, subject):
    """An answer object (log line or export entry) -> normalised dict."""
    check_fields(obj, ANSWER_FIELDS, subject)
    return {"type": "answer",
            "section": check_ident(obj["section"], "section", "section id"),
            "question_id": check_ident(obj["question_id"], "question_id", "question id"),
            "answer": check_answer_value(obj["answer"], "answer"),
            "rationale": check_text(obj["rationale"], "rationale"),
            "answered_at": check_time(obj["answered_at"], "answered_at")}


def check_version(obj, newest, fmt_name):
    """Check ``obj['version']``; a newer one than we know raises :class:`Newer`."""
    v = obj.get("version")
    if type(v) is not int:
        raise Bad(f"the format version should be a whole number, not {show(v)}", "version")
    if v > newest:
        raise Newer(v, newest)
    if v < 1:
        raise Bad(f"{v} is not a version of the {fmt_name} format", "version")
    return v


def _suggest(value, known):
    same = [k for k in known if k.casefold() == value.casefold()]
    starts = [k for k in known if len(value) >= 3 and k.casefold().startswith(value.casefold())]
    close = same or starts or difflib.get_close_matches(value, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Vocab:
    """The ids a decision may use, from one casebook."""

    def __init__(self, casebook):
        self.item_pos = {i: n for n, i in enumerate(casebook.item_order)}
        rules = casebook.rules
        self.rule_kind = dict(zip(rules.rule_id, rules.kind))
        conduct = [r for r, k in self.rule_kind.items() if k == "conduct"]
        self.rule_pos = {r: n for n, r in enumerate(conduct)}
        self.ladder = tuple(casebook.ladder)

    def check(self, d):
        """Check a decision's ids; return its rules in case-file order (raises Bad)."""
        if d["item_id"] not in self.item_pos:
            raise Bad(f"{d['item_id']!r} is not an item in the case file"
                      + _suggest(d["item_id"], self.item_pos), "item_id")
        for rule in d["rules"]:
            if rule not in self.rule_kind:
                raise Bad(f"{rule!r} is not a rule in the case file"
                          + _suggest(rule, self.rule_pos), "rules")
            if rule not in self.rule_pos:
                raise Bad(f"{rule!r} is a {self.rule_kind[rule]} entry, not a rule a post can "
                          "break", "rules")
        if d["action"] not in self.ladder:
            raise Bad(not_on_ladder([d["action"]], self.ladder), "action")
        return tuple(sorted(d["rules"], key=self.rule_pos.__getitem__))


_VOCABS = {}


def vocab_for(casebook) -> Vocab:
    """The :class:`Vocab` of a casebook, cached while that casebook lives."""
    hit = _VOCABS.get(id(casebook))
    if hit is not None and hit[0]() is casebook:
        return hit[1]
    vocab = Vocab(casebook)
    for key in [k for k, (ref, _) in _VOCABS.items() if ref() is None]:
        del _VOCABS[key]
    try:
        _VOCABS[id(casebook)] = (weakref.ref(casebook), vocab)
    except TypeError:  # not weak-referenceable: just don't cache
        pass
    return vocab


def clean_learner(name) -> str:
    """A learner's name as shown: NFC, control characters and runs of spaces collapsed.

    >>> clean_learner("  Zoë \\t Ng ")
    'Zoë Ng'
    """
    if not isinstance(name, str):
        raise KitDataError(f"a learner name should be text, not {show(name)}")
    bidi = sorted({f"U+{ord(c):04X}" for c in name if c in BIDI_CONTROLS})
    if bidi:
        raise KitDataError(f"the learner name {show(name)} contains bidirectional control "
                           f"characters ({', '.join(bidi)}), which can make one name look like "
                           "another: type the name without them")
    text = " ".join(_NAME_JUNK.sub(" ", unicodedata.normalize("NFC", name)).split())
    if not text:
        raise KitDataError("the learner name is empty: type your name")
    if len(text) > MAX_NAME:
        raise KitDataError(f"the learner name is {len(text)} characters long; "
                           f"at most {MAX_NAME} are allowed")
    return text


def same_name(a, b) -> bool:
    """Whether two learner names are the same exact name (after Unicode NFC normalisation)."""
    return (isinstance(a, str) and isinstance(b, str)
            and unicodedata.normalize("NFC", a.strip()) == unicodedata.normalize("NFC", b.strip()))


def clean_free_text(value, what, limit=MAX_TEXT):
    """Text a learner typed: control characters dropped, length checked."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise KitDataError(f"{what} should be text, not {show(value)}")
    value = BAD_CHARS.sub("", value)
    if len(value) > limit:
        raise KitDataError(f"{what} is {len(value)} characters long; at most {limit} are "
                           "allowed: please shorten it")
    return value
