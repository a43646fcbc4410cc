"""The class service's replies, checked as untrusted input, and what the class view makes of
them: :func:`check_class_reply` (every record, learner by learner), :func:`check_latest_reply`
(the compact reply, column by column, checked in bulk against the case file),
:func:`merge_latest` and :func:`bulk_table` (the latest decisions kept between refreshes and
turned into the class's decisions table), :func:`debrief_candidates` and
:func:`check_rationales_reply` (the few rationales the debrief asks for).
:class:`kit.classsources.ClassCollector` uses them.
"""
from __future__ import annotations

import unicodedata

from .classfiles import FileRead
from .classnames import shown
from .decisions.checks import Bad, check_text
from .errors import KitDataError

#: How the class service's records are named in the problems table and conflicts.
SERVICE_MARK = " (class service)"
#: Where a reply of the class service is said to come from in messages.
SERVICE_NAME = "the class service"


def check_class_reply(reply):
    """The class service's ``api/class`` reply, checked as untrusted input ->
    ``(cursor, {learner: [record dicts]})``; KitDataError naming the field otherwise.

    >>> check_class_reply({"cursor": 3, "learners": {"ana": [{"type": "decision"}]}})
    (3, {'ana': [{'type': 'decision'}]})
    >>> check_class_reply({"cursor": "3", "learners": {}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: the class service, column 'cursor': should be a whole number ...
    """
    def bad(problem, where):
        return KitDataError(problem, file=SERVICE_NAME, column=where)

    if not isinstance(reply, dict):
        raise KitDataError(f"the reply should be a JSON object, not {type(reply).__name__}",
                           file=SERVICE_NAME)
    cursor = reply.get("cursor")
    if isinstance(cursor, bool) or not isinstance(cursor, int) or cursor < 0:
        raise bad(f"should be a whole number >= 0, not {shown(repr(cursor))[:60]}", "cursor")
    learners = reply.get("learners")
    if not isinstance(learners, dict):
        raise bad(f"should be an object of learners, not {type(learners).__name__}",
                  "learners")
    out = {}
    for who, records in learners.items():
        if not isinstance(who, str) or not who.strip():
            raise bad(f"a learner's name should be text, not {shown(repr(who))[:60]}",
                      "learners")
        if not isinstance(records, list):
            raise bad(f"should be a list of records, not {type(records).__name__}",
                      f"learners[{shown(who)!r}]")
        for n, rec in enumerate(records):
            if not isinstance(rec, dict):
                raise bad(f"record {n} should be an object, not {type(rec).__name__}",
                          f"learners[{shown(who)!r}]")
        out[who] = records
    return cursor, out


#: The compact class reply's format (``GET api/class?shape=latest``, see docs/class-service.md).
LATEST_FORMAT = "casebook-kit-class-latest"
LATEST_VERSION = 1
LATEST_TABLES = ("learners", "items", "actions", "rules")
LATEST_COLUMNS = ("learner", "item", "action", "rule_set", "decided_at", "revision")
#: The columns of the latest-decisions table the collector keeps from compact replies.
LATEST_FRAME_COLUMNS = ("learner", "item_id", "action", "rules", "decided_at", "revision",
                        "decided_time")
_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25)
_MARKS = {4: b"-", 7: b"-", 10: b"T", 13: b":", 16: b":", 19: b".", 26: b"Z", 27: b"\0"}


def _kit_times(values):
    """Texts that should be times in the kit's form (2024-05-01T12:00:00.000000Z, years
    2000-2200) -> (datetime64 UTC Series, which ones are), checked byte by byte in bulk."""
    import numpy as np
    import pandas as pd
    n = len(values)
    if n == 0:
        return pd.Series([], dtype="datetime64[us, UTC]"), np.zeros(0, dtype=bool)
    try:
        raw = np.array(values, dtype="S28")
        if raw.shape != (n,):
            raise ValueError("not one text per row")
    except (UnicodeEncodeError, ValueError, TypeError):   # not ASCII text: not a time
        raw = np.array([v.encode("utf-8", "replace") if isinstance(v, str) else b"?"
                        for v in values], dtype="S28")
    m = raw.view(np.uint8).reshape(n, 28)
    digits = m[:, list(_DIGITS)]
    ok = ((digits >= 48) & (digits <= 57)).all(axis=1)
    for pos, ch in _MARKS.items():
        ok &= m[:, pos] == ch[0]
    d = m[:, :4].astype(np.int32) - 48
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    ok &= (year >= 2000) & (year <= 2200)
    text = np.where(ok, raw, b"2000-01-01T00:00:00.000000Z").astype(str)
    parsed = pd.to_datetime(pd.Series(text, dtype=object), format="ISO8601", utc=True,
                            errors="coerce")
    ok &= parsed.notna().to_numpy()   # e.g. month 13
    return parsed.astype("datetime64[us, UTC]"), ok


def _int_column(values, name, size=None, low=0):
    """A list of whole numbers (each in ``low`` .. ``size - 1`` when ``size`` is given) as a
    numpy array; KitDataError naming the column and the first bad row otherwise."""
    import numpy as np

    def bad(row, problem):
        return KitDataError(problem, file=SERVICE_NAME, row=int(row), column=name)

    try:
        arr = np.asarray(values)
    except (ValueError, OverflowError):
        arr = np.asarray(values, dtype=object)
    if len(values) and arr.dtype.kind not in "iu":
        for row, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int):
                raise bad(row, f"should be a whole number, not {shown(repr(v))[:60]}")
        raise bad(0, "whole numbers out of range")
    arr = arr.astype("int64", copy=False) if len(values) else np.zeros(0, dtype="int64")
    wrong = arr < low
    if size is not None:
        wrong |= arr >= size
    if wrong.any():
        row = int(np.argmax(wrong))
        limit = f" and below {size:,}" if size is not None else ""
        raise bad(row, f"should be {low}{limit}, not {int(arr[row])}" if size is not None
                  else f"should be >= {low}, not {int(arr[row])}")
    return arr


def check_latest_reply(reply, casebook):
    """The class service's compact reply (``api/class?shape=latest``), checked in bulk as
    untrusted input against the case file -> ``(cursor, table)``, ``table`` a DataFrame
    with :data:`LATEST_FRAME_COLUMNS` (one row per learner and item; ``rules`` tuples in
    case-file order, ``decided_at`` the kit's time text). KitDataError naming the column
    (and row) on anything else: a wrong shape, an index out of range, an item, action or
    rule not in the case file, a time not in the kit's form, a learner and item twice.

    >>> import kit
    >>> cb = kit.load_casebook()
    >>> reply = {"format": LATEST_FORMAT, "version": 1, "cursor": 4, "learners": ["ana"],
    ...          "items": [cb.item_order[0]], "actions": ["lock"], "rules": [],
    ...          "rule_sets": [[]], "columns": {"learner": [0], "item": [0], "action": [0],
    ...          "rule_set": [0], "decided_at": ["2024-05-01T12:00:00.000000Z"],
    ...          "revision": [1]}}
    >>> cursor, t = check_latest_reply(reply, cb)
    >>> cursor, t.action.tolist(), t.rules.tolist()
    (4, ['lock'], [()])
    >>> reply["columns"]["item"] = [3]
    >>> check_latest_reply(reply, cb)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: the class service, row 0, column 'columns.item': should be 0 and below 1, not 3
    """
    import numpy as np
    import pandas as pd
    from .decisions.checks import vocab_for

    def bad(problem, where, row=None):
        return KitDataError(problem, file=SERVICE_NAME, column=where, row=row)

    if not isinstance(reply, dict):
        raise KitDataError(f"the reply should be a JSON object, not {type(reply).__name__}",
                           file=SERVICE_NAME)
    if reply.get("format") != LATEST_FORMAT:
        raise bad(f"should be {LATEST_FORMAT!r}, not {shown(repr(reply.get('format')))[:60]}",
                  "format")
    version = reply.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise bad(f"should be a whole number >= 1, not {shown(repr(version))[:60]}", "version")
    if version > LATEST_VERSION:
        raise bad(f"is {version}, newer than this kit reads ({LATEST_VERSION}): update the "
                  "kit", "version")
    cursor = reply.get("cursor")
    if isinstance(cursor, bool) or not isinstance(cursor, int) or cursor < 0:
        raise bad(f"should be a whole number >= 0, not {shown(repr(cursor))[:60]}", "cursor")
    tables = {}
    for name in LATEST_TABLES:
        values = reply.get(name)
        if not isinstance(values, list):
            raise bad(f"should be a list, not {type(values).__name__}", name)
        for row, v in enumerate(values):
            if not isinstance(v, str):
                raise bad(f"should be text, not {shown(repr(v))[:60]}", name, row)
        if len(set(values)) != len(values):
            raise bad("names the same entry twice", name)
        tables[name] = values
    vocab = vocab_for(casebook)
    for row, item in enumerate(tables["items"]):
        if item not in vocab.item_pos:
            raise bad(f"{shown(repr(item))[:60]} is not an item in the case file", "items", row)
    for row, action in enumerate(tables["actions"]):
        if action not in vocab.ladder:
            raise bad(f"{shown(repr(action))[:60]} is not an action on the ladder", "actions",
                      row)
    for row, rule in enumerate(tables["rules"]):
        if rule not in vocab.rule_pos:
            raise bad(f"{shown(repr(rule))[:60]} is not a rule a post can break in the case "
                      "file", "rules", row)
    sets = reply.get("rule_sets")
    if not isinstance(sets, list):
        raise bad(f"should be a list, not {type(sets).__name__}", "rule_sets")
    rule_sets = np.empty(len(sets), dtype=object)
    for row, s in enumerate(sets):
        if not isinstance(s, list):
            raise bad(f"should be a list of rule indexes, not {type(s).__name__}",
                      "rule_sets", row)
        idx = _int_column(s, f"rule_sets[{row}]", len(tables["rules"]))
        ids = [tables["rules"][i] for i in idx]
        if len(set(ids)) != len(ids):
            raise bad("names a rule twice", "rule_sets", row)
        rule_sets[row] = tuple(sorted(ids, key=vocab.rule_pos.__getitem__))
    cols = reply.get("columns")
    if not isinstance(cols, dict):
        raise bad(f"should be an object of columns, not {type(cols).__name__}", "columns")
    for name in LATEST_COLUMNS:
        if not isinstance(cols.get(name), list):
            raise bad(f"should be a list, not {type(cols.get(name)).__name__}",
                      f"columns.{name}")
    n = len(cols["learner"])
    for name in LATEST_COLUMNS:
        if len(cols[name]) != n:
            raise bad(f"has {len(cols[name]):,} rows; columns.learner has {n:,}",
                      f"columns.{name}")
    li = _int_column(cols["learner"], "columns.learner", len(tables["learners"]))
    ii = _int_column(cols["item"], "columns.item", len(tables["items"]))
    ai = _int_column(cols["action"], "columns.action", len(tables["actions"]))
    si = _int_column(cols["rule_set"], "columns.rule_set", len(sets))
    revision = _int_column(cols["revision"], "columns.revision", low=1)
    times = cols["decided_at"]
    parsed, ok = _kit_times(times)
    if not ok.all():
        row = int(np.argmax(~ok))
        raise bad(f"{shown(repr(times[row]))[:60]} is not a UTC time in the kit's form "
                  "(2024-05-01T12:00:00.000000Z)", "columns.decided_at", row)
    pair = li * max(len(tables["items"]), 1) + ii
    uniq, first = np.unique(pair, return_index=True)
    if len(uniq) != n:
        seen = np.zeros(n, dtype=bool)
        seen[first] = True
        row = int(np.argmax(~seen))
        raise bad("the same learner and item twice (one latest decision each)",
                  "columns.item", row)
    table = pd.DataFrame({
        "learner": np.asarray(tables["learners"] or [""], dtype=object)[li] if n else
        np.zeros(0, dtype=object),
        "item_id": np.asarray(tables["items"] or [""], dtype=object)[ii] if n else
        np.zeros(0, dtype=object),
        "action": np.asarray(tables["actions"] or [""], dtype=object)[ai] if n else
        np.zeros(0, dtype=object),
        "rules": rule_sets[si] if n else np.zeros(0, dtype=object),
        "decided_at": np.asarray(times, dtype=object) if n else np.zeros(0, dtype=object),
        "revision": revision,
        "decided_time": parsed,
    }, columns=list(LATEST_FRAME_COLUMNS))
    return cursor, table


def merge_latest(old, new):
    """The latest decisions kept so far, updated with a reply's (a learner and item in
    ``new`` replaces its row in ``old``)."""
    import pandas as pd
    if old is None or not len(old):
        return new.reset_index(drop=True)
    if not len(new):
        return old
    both = pd.concat([old, new], ignore_index=True)
    return both.drop_duplicates(["learner", "item_id"], keep="last").reset_index(drop=True)


def latest_records(rows, who) -> list:
    """Rows of the latest-decisions table -> record dicts as the readers give them."""
    return [{"learner": who, "item_id": r.item_id, "rules": r.rules, "action": r.action,
             "rationale": "", "decided_at": r.decided_at, "revision": int(r.revision)}
            for r in rows.itertuples()]


def debrief_candidates(res, casebook, extra: int = 1) -> list:
    """The items the debrief will likely show (:func:`kit.debrief.division_table`'s order,
    worked out from the class's count table), plus ``extra`` more: whose rationales the
    compact path asks the service for."""
    import numpy as np
    from .debrief import DEBRIEF_ITEMS, MIN_LEARNERS
    dist = res.distribution
    if not len(dist):
        return []
    ladder = list(casebook.ladder)
    counts = (dist.pivot(index="item_id", columns="action", values="count")
              .reindex(index=list(casebook.item_order), columns=ladder, fill_value=0)
              .to_numpy(dtype=float))
    levels = np.array([casebook.action_levels[a] for a in ladder], dtype=float)
    n = counts.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (counts @ levels) / n
        spread = np.sqrt(np.maximum((counts @ levels ** 2) / n - mean ** 2, 0))
        shares = counts / n[:, None]
        ent = -np.nansum(np.where(shares > 0, shares * np.log(shares), 0.0), axis=1)
    distinct = (counts > 0).sum(axis=1)
    items = list(casebook.item_order)
    rows = [(-round(spread[i], 9), -round(ent[i], 9), -n[i], i) for i in range(len(items))
            if n[i] >= MIN_LEARNERS and distinct[i] >= 2]
    return [items[i] for *_, i in sorted(rows)[:DEBRIEF_ITEMS + extra]]


def check_rationales_reply(reply, items) -> dict:
    """The service's ``api/class/rationales`` reply, checked as untrusted input ->
    ``{(learner as the class names them, item_id): rationale}``; KitDataError naming the
    column and row otherwise."""
    from .decisions.checks import MAX_TEXT

    def bad(problem, where, row=None):
        return KitDataError(problem, file=SERVICE_NAME, column=where, row=row)

    if not isinstance(reply, dict):
        raise KitDataError("the rationales should be a JSON object", file=SERVICE_NAME)
    names = reply.get("learners")
    cols = reply.get("columns")
    if not isinstance(names, list) or not all(isinstance(w, str) for w in names):
        raise bad("should be a list of names", "learners")
    if not isinstance(cols, dict):
        raise bad("should be an object of columns", "columns")
    for c in ("learner", "item_id", "rationale"):
        if not isinstance(cols.get(c), list) or len(cols[c]) != len(cols["learner"] or []):
            raise bad("should be a list as long as columns.learner", f"columns.{c}")
    li = _int_column(cols["learner"], "columns.learner", len(names))
    wanted = set(items)
    out = {}
    for row, (i, item, text) in enumerate(zip(li, cols["item_id"], cols["rationale"])):
        if item not in wanted:
            raise bad(f"{shown(repr(item))[:60]} was not asked for", "columns.item_id", row)
        try:
            check_text(text, "rationale", MAX_TEXT)
        except Bad as b:
            raise bad(b.text(), "columns.rationale", row) from None
        out[(unicodedata.normalize("NFC", names[i]).strip(), item)] = text
    return out


def bulk_table(latest, casebook, name_of):
    """The latest decisions -> (reads, bulk): ``reads`` the problem rows of learners
    whose names cannot be used and, as files, learners whose names become one (each is
    then a conflict, as in a class folder); ``bulk`` every other learner's decisions as
    one table (see :func:`kit.classroom.class_results`), learners sorted, items in
    case-file order."""
    import numpy as np
    import pandas as pd
    from .classfiles import LearnerFile
    from .decisions.checks import vocab_for

    raw = pd.unique(latest["learner"].to_numpy(dtype=object))
    used, reads, as_file = {}, [], set()
    by_name = {}
    for who in raw:
        name, problem = name_of(who)
        if problem is not None:
            reads.append(FileRead(None, ((shown(who) + SERVICE_MARK, shown(problem),
                                          "skipped"),)))
            continue
        used[who] = name
        by_name.setdefault(name, []).append(who)
    for name, group in by_name.items():
        if len(group) > 1:
            as_file.update(group)
    raw_col = latest["learner"]
    keep = raw_col.isin(list(used)).to_numpy()
    if as_file:
        side = raw_col.isin(list(as_file)).to_numpy()
        for who in sorted(as_file):
            rows = latest[(raw_col == who).to_numpy()]
            pos = rows["item_id"].map(vocab_for(casebook).item_pos)
            rows = rows.iloc[np.argsort(pos.to_numpy(), kind="stable")]
            reads.append(FileRead(LearnerFile(
                shown(who) + SERVICE_MARK, used[who], latest_records(rows, who), "match", 0.0,
                max(rows["decided_at"])), ()))
        keep = keep & ~side
    t = latest[keep]
    names = t["learner"].map(used) if len(t) else t["learner"]
    order_names = sorted(pd.unique(names.to_numpy(dtype=object)))
    rank = pd.Categorical(names, categories=order_names).codes.astype("int64")
    pos = t["item_id"].map(vocab_for(casebook).item_pos).to_numpy(dtype="int64")
    order = np.argsort(rank * (len(casebook.item_order) + 1) + pos, kind="stable")
    t = t.iloc[order]
    bulk = pd.DataFrame({
        "learner": names.to_numpy(dtype=object)[order],
        "item_id": t["item_id"].to_numpy(dtype=object),
        "rules": t["rules"].to_numpy(dtype=object),
        "action": t["action"].to_numpy(dtype=object),
        "rationale": np.full(len(t), "", dtype=object),
        "decided_at": t["decided_time"].reset_index(drop=True),
        "revision": t["revision"].to_numpy(dtype="int64"),
        "decided_text": t["decided_at"].to_numpy(dtype=object),
        "label": t["learner"].map({w: shown(w) + SERVICE_MARK for w in used})
                             .to_numpy(dtype=object),
    })
    return reads, bulk
