"""The learner of this machine: a safe file name, the remembered name, the default folder.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> current_learner(folder) is None, set_learner("Ana", folder), my_log(folder).path.name
(True, 'Ana', 'Ana.decisions.jsonl')
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from ..errors import KitDataError
from . import files
from .checks import clean_learner, show

#: The project folder (``my-decisions/`` is made here unless $KIT_DECISIONS_DIR says otherwise).
ROOT = Path(__file__).resolve().parents[2]
LEARNER_FILE = ".kit-learner.json"   # hidden: class views pass over it
GUEST = "guest"
MAX_FILE_NAME = 60         # characters of a learner's name in a file name
MAX_FILE_NAME_BYTES = 150  # ... and its UTF-8 bytes (file names are limited to 255 bytes)
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                              *(f"LPT{i}" for i in range(10))})


def _letter_or_digit(ch) -> bool:
    return unicodedata.category(ch)[0] == "L" or unicodedata.category(ch) == "Nd"


def safe_learner_name(name) -> str:
    """A learner's name as a safe file name (the part before ``.decisions.jsonl``).

    Letters of any script, combining marks and digits are kept (after Unicode NFC
    normalisation); every other character (spaces, punctuation, slashes, dots,
    control characters) becomes ``-``, runs of ``-`` collapse and none is left at
    either end, so the result has no path separators, cannot climb out of a
    folder and never starts with a dot. Windows device names (CON, NUL, COM1...)
    get ``-learner`` added. At most 60 characters (and 150 UTF-8 bytes) are kept.
    Different spellings can map to the same name ("Ali Reza", "Ali-Reza").

    >>> safe_learner_name("Zoë Ng")
    'Zoë-Ng'
    >>> safe_learner_name("李雷"), safe_learner_name("Ali Reza")
    ('李雷', 'Ali-Reza')
    >>> [safe_learner_name(n) for n in ("../../etc/passwd", ".hidden", "con")]
    ['etc-passwd', 'hidden', 'con-learner']
    >>> safe_learner_name("?!")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: learner name '?!' has no letters or digits: type a name such as ...
    """
    if not isinstance(name, str):
        raise KitDataError(f"a learner name should be text, not {show(name)}")
    text = unicodedata.normalize("NFC", name)
    kept = "".join(ch if unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd"
                   else "-" for ch in text)
    safe = re.sub("-+", "-", kept).strip("-")
    safe = safe[:MAX_FILE_NAME]
    while len(safe.encode("utf-8")) > MAX_FILE_NAME_BYTES:
        safe = safe[:-1]
    safe = safe.strip("-")
    if not any(_letter_or_digit(c) for c in safe):
        raise KitDataError(f"learner name {show(name)} has no letters or digits: "
                           "type a name such as 'Zoë' or 'Ali Reza'")
    if safe.upper() in WINDOWS_RESERVED:
        safe += "-learner"
    return safe


def default_folder() -> Path:
    """The folder where learners' decision files live, created if missing.

    ``$KIT_DECISIONS_DIR`` when set, else ``my-decisions/`` in the project folder.

    >>> import os, tempfile
    >>> saved = os.environ.get("KIT_DECISIONS_DIR")
    >>> os.environ["KIT_DECISIONS_DIR"] = str(Path(tempfile.mkdtemp()) / "class-7b")
    >>> folder = default_folder()
    >>> folder.name, folder.is_dir()
    ('class-7b', True)
    >>> if saved is None: del os.environ["KIT_DECISIONS_DIR"]
    ... else: os.environ["KIT_DECISIONS_DIR"] = saved
    """
    env = os.environ.get("KIT_DECISIONS_DIR", "").strip()
    folder = Path(env).expanduser() if env else ROOT / "my-decisions"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise KitDataError("this is a file, but decisions need a folder here "
                           "(check KIT_DECISIONS_DIR)", file=str(folder)) from None
    except OSError as e:
        raise KitDataError(f"the decisions folder cannot be created ({e.strerror})",
                           file=str(folder)) from None
    return folder


def set_learner(name, folder=None) -> str:
    """Remember the learner's name (in ``<folder>/.kit-learner.json``) for every notebook.

    Returns the name as it will be shown. The file is replaced atomically.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> set_learner("  Zoë  ", folder), current_learner(folder)
    ('Zoë', 'Zoë')
    """
    learner = clean_learner(name)
    safe_learner_name(learner)  # refuses names that cannot become a file name
    folder = default_folder() if folder is None else Path(folder)
    data = json.dumps({"format": "casebook-kit-learner", "version": 1, "learner": learner},
                      ensure_ascii=False).encode("utf-8")
    files.atomic_write(folder / LEARNER_FILE, data)
    return learner


def current_learner(folder=None):
    """The name set with :func:`set_learner`, or ``None`` if none was set (or it is unreadable).

    >>> import tempfile
    >>> current_learner(tempfile.mkdtemp()) is None
    True
    """
    folder = default_folder() if folder is None else Path(folder)
    try:
        raw = (folder / LEARNER_FILE).read_bytes()[:10_000]
        doc = json.loads(raw.decode("utf-8"))
        return clean_learner(doc["learner"]) if isinstance(doc, dict) else None
    except (OSError, ValueError, KeyError, TypeError, KitDataError):
        return None


def my_log(folder=None, casebook=None):
    """The current learner's :class:`DecisionLog` (``guest`` when no name was set).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> my_log(folder).learner
    'guest'
    >>> _ = set_learner("Ana", folder)
    >>> my_log(folder).path.name
    'Ana.decisions.jsonl'
    """
    from .log import DecisionLog  # log.py imports this module for the default folder
    return DecisionLog.for_learner(current_learner(folder) or GUEST, folder=folder,
                                   casebook=casebook)


def check_folder_writable(folder=None) -> Path:
    """Make sure decisions can be saved in ``folder`` (default :func:`default_folder`).

    Creates the folder if needed and writes and removes a hidden scratch file.
    Returns the folder; raises :class:`kit.KitDataError` saying why not.

    >>> import tempfile
    >>> check_folder_writable(Path(tempfile.mkdtemp()) / "new").is_dir()
    True
    """
    target = default_folder() if folder is None else Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=target, prefix=".kit-check-"):
            pass
    except OSError as err:
        raise KitDataError(f"the folder is not writable ({err.strerror})", file=str(target)) from None
    return target
