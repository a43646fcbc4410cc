"""Learners' names in a class folder: the hash a file name carries, whether a file's name
fits the learner in its header, names shown safely (control characters escaped), and names
that look alike, and stable anonymous labels for projector mode (:class:`AnonymousLabels`).
Pure functions; :mod:`kit.classroom` and the class dashboard use them for the class view."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from .decisions.learner import safe_learner_name
from .errors import KitDataError

_HASH_STEM = re.compile(r"^(.*)-([0-9a-f]{8})$")


def learner_hash(name: str) -> str:
    """The first 8 hex digits of sha256 of the NFC-normalised, stripped learner name:
    the part of a learner's file name that says whose file it is.

    >>> learner_hash("Ana"), learner_hash(" Ana ") == learner_hash("Ana")
    ('dea210f0', True)
    >>> learner_hash("Zoe\u0308") == learner_hash("Zo\u00eb")  # NFC: one name
    True
    """
    text = unicodedata.normalize("NFC", name).strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def file_name_check(file_name: str, learner: str) -> str:
    """Does a learner file's name fit the learner named inside it?

    * ``"match"``: ``<readable>-<hash8>.decisions.jsonl`` (or an export named the
      same way) whose hash is :func:`learner_hash` of the learner;
    * ``"old"``: an older log named ``<readable>.decisions.jsonl``, the readable
      part being this learner's (:func:`kit.decisions.safe_learner_name`);
    * ``"other"``: the name belongs to another learner (it ends in a hash that is
      not this learner's, or it is a log whose name is not this learner's): the
      file claims another learner's name;
    * ``"free"``: an export (``.json``/``.csv``) named freely (no hash), which says
      nothing.

    >>> file_name_check(f"Ana-{learner_hash('Ana')}.decisions.jsonl", "Ana")
    'match'
    >>> file_name_check("Ana.decisions.jsonl", "Ana"), file_name_check("Ben.decisions.jsonl", "Ana")
    ('old', 'other')
    >>> file_name_check(f"Ana-{learner_hash('Ana!')}.decisions.jsonl", "Ana")
    'other'
    >>> file_name_check("my work.json", "Ana")
    'free'
    """
    low = file_name.lower()
    log = low.endswith(".decisions.jsonl")
    stem = name_from_file(file_name)
    try:
        readable = safe_learner_name(learner)
    except KitDataError:
        readable = None
    hashed = _HASH_STEM.match(stem)
    if hashed and hashed.group(2) == learner_hash(learner):
        return "match"
    if log and readable is not None and stem.casefold() == readable.casefold():
        return "old"
    return "other" if log or hashed else "free"


def shown(text) -> str:
    """A file or learner name as it is safe to show in a message: control and
    invisible format characters (bidi marks included) written as escapes.

    >>> print(shown("ana\\x1b[31m.json"), shown("b\\u202eoj.csv"), shown("Zoë"))
    ana\\x1b[31m.json b\\u202eoj.csv Zoë
    """
    text = str(text)
    if text.isprintable():   # none of the categories below (a class's usual names)
        return text
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


#: Letters of other scripts that look like Latin ones (Cyrillic and Greek, lower
#: case after casefold), mapped to the Latin letter they look like. A small list
#: of the common look-alikes, for flagging names to check, not a full table.
LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y",
    "х": "x", "ѕ": "s", "һ": "h", "ԁ": "d", "ɡ": "g", "ӏ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c",
    "0": "o", "1": "l", "ı": "i",
})


#: :func:`name_key` of an ASCII name in one table: lower case, letters and digits kept
#: (look-alike digits mapped), everything else dropped.
_ASCII_KEY = {c: (chr(c).lower().translate(LOOKALIKES) if chr(c).isalnum() else None)
              for c in range(128)}


def name_key(name: str) -> str:
    """What a name looks like, for flagging look-alike names: NFKC, casefold,
    spaces, punctuation and marks removed, look-alike letters mapped (:data:`LOOKALIKES`).

    >>> name_key("Ali Reza") == name_key("ali-reza") == name_key("ALI_REZA!")
    True
    >>> name_key("Аna") == name_key("Ana")  # a Cyrillic А
    True
    >>> name_key("Ana") == name_key("Anna")
    False
    """
    if name.isascii():   # the same, for the usual names, in one pass
        return name.translate(_ASCII_KEY)
    text = unicodedata.normalize("NFKC", name).casefold()
    text = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    return kept.translate(LOOKALIKES)


def confusable_names(names) -> list:
    """Groups (sorted lists) of two or more distinct names that look alike (:func:`name_key`).

    >>> confusable_names(["Ana", "ana!", "Ben", "Аna", "Bo"])
    [['Ana', 'ana!', 'Аna']]
    """
    groups = {}
    for name in dict.fromkeys(names):
        groups.setdefault(name_key(name), []).append(name)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


def name_from_file(name: str) -> str:
    """The learner name a file stands for when it does not say: ana.decisions.jsonl -> ana."""
    low = name.lower()
    for suffix in (".decisions.jsonl", ".decisions.json", ".decisions.csv", ".json", ".csv"):
        if low.endswith(suffix):
            return name[: -len(suffix)]
    return name


# --------------------------------------------------------------------------- projector mode

#: The letters and digits of anonymous labels: none that reads like another (no 0/O, 1/I/L,
#: 2/Z, 5/S, 6/G, 8/B), so a label can be read out and typed without mistakes.
LABEL_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
#: How many characters a label has (more only when two learners would share one).
LABEL_LENGTH = 4

_SESSION_SECRET = None


def session_secret() -> bytes:
    """This kernel's secret key for anonymous labels: made at random on first use and
    kept in memory only, so labels stay the same while the kernel runs (a re-created
    dashboard too) and say nothing about names to anyone without the key."""
    global _SESSION_SECRET
    if _SESSION_SECRET is None:
        _SESSION_SECRET = secrets.token_bytes(32)
    return _SESSION_SECRET


class AnonymousLabels:
    """Stable anonymous labels for learners (projector mode): ``labels("Zoë")`` ->
    ``"Learner 7KXC"``.

    A label is a keyed hash of the name (HMAC-SHA256 with ``secret``, default
    :func:`session_secret`) written with :data:`LABEL_ALPHABET`: the same learner
    keeps the same label across refreshes and re-created dashboards of one kernel,
    and without the key a label says nothing about the name (not even its
    alphabetical place). Labels are unique: when two names would share one, the one
    seen later gets a longer label (and keeps it).

    >>> labels = AnonymousLabels(secret=b"k")
    >>> a, b = labels("Ana"), labels("Ben")
    >>> a == labels("Ana"), a != b, a.startswith("Learner "), "Ana" not in a
    (True, True, True, True)
    >>> AnonymousLabels(secret=b"k")("Ana") == a   # same key, same label
    True
    """

    def __init__(self, secret: bytes | None = None, prefix: str = "Learner"):
        self._secret = session_secret() if secret is None else bytes(secret)
        self.prefix = prefix
        self._labels = {}
        self._taken = set()

    def __call__(self, name) -> str:
        key = unicodedata.normalize("NFC", str(name)).strip()
        label = self._labels.get(key)
        if label is None:
            code = self._code(key)
            for size in range(LABEL_LENGTH, len(code) + 1):
                label = f"{self.prefix} {code[:size]}"
                if label not in self._taken:
                    break
            self._labels[key] = label
            self._taken.add(label)
        return label

    def _code(self, key: str) -> str:
        digest = hmac.new(self._secret, key.encode("utf-8"), hashlib.sha256).digest()
        number, base, out = int.from_bytes(digest, "big"), len(LABEL_ALPHABET), []
        while number:
            number, digit = divmod(number, base)
            out.append(LABEL_ALPHABET[digit])
        return "".join(out)

    def mapping(self, names) -> dict:
        """``{name: label}`` for ``names`` (in their order)."""
        return {n: self(n) for n in names}
