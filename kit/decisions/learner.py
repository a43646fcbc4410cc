"""The learner: who is deciding, the file their decisions go to, the default folder.

Who the learner is depends on where the kit runs (:mod:`kit.environment`):

- on JupyterHub, the hub user (shown, never typed; Binder's random hub user excepted);
- in a Voila app, the name given in that page (:data:`session_learner`, this kernel
  only: Voila kernels all run as the server's user, so nothing is remembered on disk);
- elsewhere, the name remembered in the person's own config file
  (``$KIT_LEARNER_CONFIG``, else ``platformdirs.user_config_dir("casebook-kit")/learner.json``),
  never in the decisions or class folder.

Each exact name has its own file, ``<learner_file_stem(name)>.decisions.jsonl``.

>>> import os, tempfile
>>> saved = os.environ.get("KIT_LEARNER_CONFIG")
>>> os.environ["KIT_LEARNER_CONFIG"] = os.path.join(tempfile.mkdtemp(), "learner.json")
>>> folder = tempfile.mkdtemp()
>>> current_learner() is None
True
>>> set_learner("Ana"), current_learner(), log_path_for(folder, "Ana").name
('Ana', 'Ana', 'Ana-dea210f0.decisions.jsonl')
>>> if saved is None: del os.environ["KIT_LEARNER_CONFIG"]
... else: os.environ["KIT_LEARNER_CONFIG"] = saved
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import platformdirs

from .. import environment
from ..errors import KitDataError
from . import files
from .checks import clean_learner, same_name, show

#: The project folder (``my-decisions/`` is made here unless $KIT_DECISIONS_DIR says otherwise).
ROOT = Path(__file__).resolve().parents[2]
#: The remembered-name file older kits kept in the decisions folder. It is ignored now (in
#: a shared folder it held whoever saved last); class views still pass over it.
LEARNER_FILE = ".kit-learner.json"
CONFIG_ENV = "KIT_LEARNER_CONFIG"
CONFIG_FORMAT = "casebook-kit-learner"
HASH_DIGITS = 8
#: The name given in this kernel with ``set_learner(name, session_only=True)`` (or in Voila).
session_learner = None
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


def learner_file_stem(name) -> str:
    """The file name of a learner's log, before ``.decisions.jsonl``: one exact name, one file.

    The readable part is :func:`safe_learner_name`; then ``-`` and the first 8 hex digits of
    the SHA-256 of the exact name (cleaned as it is shown: NFC, spaces collapsed), so names
    that differ only in punctuation, spaces or after the 60th character get different files.

    >>> learner_file_stem("Ali Reza"), learner_file_stem("Ali-Reza")
    ('Ali-Reza-4444452e', 'Ali-Reza-85cffa1b')
    >>> learner_file_stem("Zoe\u202e")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: the learner name ... contains bidirectional control characters (U+202E)...
    """
    learner = clean_learner(name)
    digest = hashlib.sha256(learner.encode("utf-8")).hexdigest()[:HASH_DIGITS]
    return f"{safe_learner_name(learner)}-{digest}"


def _header_learner(path: Path):
    """The learner named in the first line of the log at ``path`` (None if none or unreadable)."""
    try:
        fd = os.open(path, os.O_RDONLY | files.NOFOLLOW | getattr(os, "O_BINARY", 0)
                     | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        first = os.read(fd, 64_000).replace(b"\r", b"\n").split(b"\n", 1)[0]
        doc = json.loads(first.decode("utf-8"))
        return doc.get("learner") if isinstance(doc, dict) else None
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


def log_path_for(folder, name) -> Path:
    """Where learner ``name``'s log is in ``folder``: ``<learner_file_stem>.decisions.jsonl``,
    or an older kit's ``<safe name>.decisions.jsonl`` whose header names exactly ``name``
    (when there is no new-style file yet), so decisions saved before carry on."""
    folder = Path(folder)
    learner = clean_learner(name)
    path = folder / f"{learner_file_stem(learner)}.decisions.jsonl"
    if not os.path.lexists(path):
        legacy = folder / f"{safe_learner_name(learner)}.decisions.jsonl"
        if not os.path.islink(legacy) and same_name(_header_learner(legacy), learner):
            return legacy
    return path


def hub_user(env=None):
    """The JupyterHub user name, or None (not on a hub, or on Binder, whose hub user is random).

    >>> from kit.environment import detect
    >>> hub_user(detect({"JUPYTERHUB_USER": "ana"}, {})), hub_user(detect({}, {}))
    ('ana', None)
    >>> hub_user(detect({"JUPYTERHUB_USER": "jovyan-x1", "BINDER_LAUNCH_HOST": "b"}, {})) is None
    True
    """
    env = environment.detect() if env is None else env
    if env.binder or not env.hub_user:
        return None
    return env.hub_user


def config_path() -> Path:
    """The person's own file for the remembered name: ``$KIT_LEARNER_CONFIG``, else
    ``platformdirs.user_config_dir("casebook-kit")/learner.json``."""
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("casebook-kit", appauthor=False)) / "learner.json"


def _remembered():
    try:
        raw = config_path().read_bytes()[:10_000]
        doc = json.loads(raw.decode("utf-8"))
        if isinstance(doc, dict) and doc.get("format") == CONFIG_FORMAT:
            return clean_learner(doc["learner"])
    except (OSError, ValueError, KeyError, TypeError, KitDataError):
        pass
    return None


def current_learner(folder=None):
    """Who is deciding: the hub user on JupyterHub; in Voila, the name given in this page
    only; elsewhere the name remembered in the person's own config (:func:`config_path`).
    ``None`` when nobody is known (then the apps ask). ``folder`` is accepted for older
    callers and not used: a remembered name is never read from a decisions folder.

    >>> import os, tempfile
    >>> saved = os.environ.get("KIT_LEARNER_CONFIG")
    >>> os.environ["KIT_LEARNER_CONFIG"] = os.path.join(tempfile.mkdtemp(), "learner.json")
    >>> current_learner() is None
    True
    >>> if saved is None: del os.environ["KIT_LEARNER_CONFIG"]
    ... else: os.environ["KIT_LEARNER_CONFIG"] = saved
    """
    env = environment.detect()
    hub = hub_user(env)
    if hub:
        try:
            return clean_learner(hub)
        except KitDataError:
            return None
    if env.front_end == "voila" or session_learner is not None:
        return session_learner
    return _remembered()


def set_learner(name, session_only=False, *, folder=None) -> str:
    """Say who is deciding; returns the name as it will be shown.

    On JupyterHub only the hub user's own name is accepted (KitDataError otherwise).
    In Voila, or with ``session_only=True``, the name is kept for this kernel only.
    Elsewhere it is saved in the person's own config file (:func:`config_path`, made with
    the process umask, replaced atomically) for every notebook; a file that cannot be
    written is a KitDataError naming it. (An older kit's second argument, a folder, is
    accepted and not used.)

    >>> import os, tempfile
    >>> saved = os.environ.get("KIT_LEARNER_CONFIG")
    >>> os.environ["KIT_LEARNER_CONFIG"] = os.path.join(tempfile.mkdtemp(), "me", "learner.json")
    >>> set_learner("  Zoë  "), current_learner()
    ('Zoë', 'Zoë')
    >>> if saved is None: del os.environ["KIT_LEARNER_CONFIG"]
    ... else: os.environ["KIT_LEARNER_CONFIG"] = saved
    """
    global session_learner
    if not isinstance(session_only, bool):   # set_learner(name, folder) from an older kit
        session_only = False
    learner = clean_learner(name)
    learner_file_stem(learner)  # refuses names that cannot become a file name
    env = environment.detect()
    hub = hub_user(env)
    if hub:
        if not same_name(learner, hub):
            raise KitDataError(f"on this JupyterHub you are {show(hub)}: your decisions are "
                               f"saved under that name, not {show(learner)}")
        return clean_learner(hub)
    if session_only or env.front_end == "voila":
        session_learner = learner
        return learner
    path = config_path()
    data = json.dumps({"format": CONFIG_FORMAT, "version": 1, "learner": learner},
                      ensure_ascii=False).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        files.atomic_write(path, data)
    except OSError as e:
        raise KitDataError(f"your name cannot be remembered ({files.os_problem(e)}); "
                           f"set {CONFIG_ENV} to a file you can write", file=str(path)) from None
    session_learner = None
    return learner


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
