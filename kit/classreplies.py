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


#: The compact class reply's format (``GET api/class?shape=latest``, see docs/class-service.md):
#: version 1 sends every column as a JSON list and the times as text; version 2 (what the
#: service sends now) packs each column (:func:`kit.decisions.columns.pack`) and sends the
#: times as microseconds since 1970 UTC (``decided_us``).
LATEST_FORMAT = "casebook-kit-class-latest"
LATEST_VERSION = 2
LATEST_TABLES = ("learners", "items", "actions", "rules")
LATEST_COLUMNS = {1: ("learner", "item", "action", "rule_set", "decided_at", "revision"),
                  2: ("learner", "item", "action", "rule_set", "decided_us", "revision")}
#: The columns of the latest-decisions table the collector keeps from compact replies
#: (``item_pos`` the item's place in the case file, ``decided_time`` a UTC datetime).
LATEST_FRAME_COLUMNS = ("learner", "item_id", "item_pos", "action", "rules", "revision",
                        "decided_time")


def _range(arr, name, size=None, low=0):
    """``arr`` (whole numbers) each in ``low`` .. ``size - 1``; KitDataError naming the column
    and the first row out of range otherwise."""
    import numpy as np
    wrong = arr < low
    if size is not None:
        wrong |= arr >= size
    if wrong.any():
        row = int(np.argmax(wrong))
        limit = f" and below {size:,}" if size is not None else ""
        raise KitDataError(f"should be {low}{limit}, not {int(arr[row])}" if size is not None
                           else f"should be >= {low}, not {int(arr[row])}",
                           file=SERVICE_NAME, row=row, column=name)
    return arr


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
    return _range(arr, name, size, low)


def _v1_columns(cols, sizes):
    """A version-1 reply's columns (JSON lists, the times as text), checked (``sizes``: how
    many entries each index column may point to) -> (rows, {name: int64 array}) with the
    times as microseconds since 1970 UTC."""
    import numpy as np
    from .decisions.columns import kit_times_us

    names = LATEST_COLUMNS[1]
    if not isinstance(cols, dict):
        raise KitDataError(f"should be an object of columns, not {type(cols).__name__}",
                           file=SERVICE_NAME, column="columns")
    out = {}
    for name in names:
        if not isinstance(cols.get(name), list):
            raise KitDataError(f"should be a list, not {type(cols.get(name)).__name__}",
                               file=SERVICE_NAME, column=f"columns.{name}")
    n = len(cols["learner"])
    for name in names:
        if len(cols[name]) != n:
            raise KitDataError(f"has {len(cols[name]):,} rows; columns.learner has {n:,}",
                               file=SERVICE_NAME, column=f"columns.{name}")
    for name, size in sizes.items():
        out[name] = _int_column(cols[name], f"columns.{name}", size)
    out["revision"] = _int_column(cols["revision"], "columns.revision", low=1)
    times = cols["decided_at"]
    us, ok = kit_times_us(times)
    if not ok.all():
        row = int(np.argmax(~ok))
        raise KitDataError(f"{shown(repr(times[row]))[:60]} is not a UTC time in the kit's "
                           "form (2024-05-01T12:00:00.000000Z)", file=SERVICE_NAME,
                           column="columns.decided_at", row=row)
    out["decided_us"] = us
    return n, out


def _v2_columns(cols, n, sizes):
    """A version-2 reply's packed columns (``n`` rows each), checked as :func:`_v1_columns`
    checks version 1 -> {name: int64 array}."""
    import numpy as np
    from .decisions.columns import US_HIGH, US_LOW, unpack

    if not isinstance(cols, dict):
        raise KitDataError(f"should be an object of columns, not {type(cols).__name__}",
                           file=SERVICE_NAME, column="columns")
    col = {name: unpack(cols.get(name), f"columns.{name}", n) for name in LATEST_COLUMNS[2]}
    for name, size in sizes.items():
        _range(col[name], f"columns.{name}", size)
    _range(col["revision"], "columns.revision", low=1)
    us = col["decided_us"]
    wrong = (us < US_LOW) | (us > US_HIGH)
    if wrong.any():
        row = int(np.argmax(wrong))
        raise KitDataError(f"{int(us[row])} is not a time in the years 2000-2200 "
                           "(microseconds since 1970 UTC)", file=SERVICE_NAME,
                           column="columns.decided_us", row=row)
    return col


def check_latest_reply(reply, casebook):
    """The class service's compact reply (``api/class?shape=latest``, version 1 or 2),
    checked in bulk as untrusted input against the case file -> ``(cursor, table)``,
    ``table`` a DataFrame with :data:`LATEST_FRAME_COLUMNS` (one row per learner and item;
    ``rules`` tuples in case-file order). KitDataError naming the column (and row) on
    anything else: a wrong shape, an index out of range, an item, action or rule not in
    the case file, a time not in the kit's years, a learner and item twice.

    >>> import kit
    >>> from kit.decisions.columns import pack
    >>> cb = kit.load_casebook()
    >>> reply = {"format": LATEST_FORMAT, "version": 2, "cursor": 4, "rows": 1,
    ...          "learners": ["ana"], "items": [cb.item_order[0]], "actions": ["lock"],
    ...          "rules": [], "rule_sets": [[]], "columns": {
    ...          "learner": pack([0]), "item": pack([0]), "action": pack([0]),
    ...          "rule_set": pack([0]), "decided_us": pack([1714564800000000]),
    ...          "revision": pack([1])}}
    >>> cursor, t = check_latest_reply(reply, cb)
    >>> cursor, t.action.tolist(), t.rules.tolist(), str(t.decided_time[0])
    (4, ['lock'], [()], '2024-05-01 12:00:00+00:00')
    >>> reply["columns"]["item"] = pack([3])
    >>> check_latest_reply(reply, cb)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: the class service, row 0, column 'columns.item': should be 0 and below 1, not 3
    """
    import numpy as np
    import pandas as pd
    from .decisions.checks import vocab_for
    from .decisions.columns import utc_times

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
    sizes = {"learner": len(tables["learners"]), "item": len(tables["items"]),
             "action": len(tables["actions"]), "rule_set": len(sets)}
    if version == 1:
        n, col = _v1_columns(cols, sizes)
    else:
        n = reply.get("rows")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise bad(f"should be a whole number >= 0, not {shown(repr(n))[:60]}", "rows")
        col = _v2_columns(cols, n, sizes)
    li, ii = col["learner"], col["item"]
    pair = li * max(len(tables["items"]), 1) + ii
    if n and np.bincount(pair).max() > 1:   # a count per learner and item: no sort needed
        _, first = np.unique(pair, return_index=True)
        seen = np.zeros(n, dtype=bool)
        seen[first] = True
        row = int(np.argmax(~seen))
        raise bad("the same learner and item twice (one latest decision each)",
                  "columns.item", row)

    def pick(values, codes):   # object columns, as kept (no text dtype made of 3.6M rows)
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return pd.Series(arr[codes] if n else np.zeros(0, dtype=object), dtype=object)

    item_pos = np.array([vocab.item_pos[i] for i in tables["items"]], dtype=np.int64)
    table = pd.DataFrame({
        "learner": pick(tables["learners"], li),
        "item_id": pick(tables["items"], ii),
        "item_pos": item_pos[ii] if n else np.zeros(0, dtype=np.int64),
        "action": pick(tables["actions"], col["action"]),
        "rules": pd.Series(rule_sets[col["rule_set"]] if n else np.zeros(0, dtype=object),
                           dtype=object),
        "revision": col["revision"],
        "decided_time": utc_times(col["decided_us"] if n else []),
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
    return both.drop_duplicates(["learner", "item_pos"], keep="last").reset_index(drop=True)


def latest_records(rows, who) -> list:
    """Rows of the latest-decisions table -> record dicts as the readers give them."""
    from .decisions.columns import series_text
    texts = series_text(rows["decided_time"])
    return [{"learner": who, "item_id": r.item_id, "rules": r.rules, "action": r.action,
             "rationale": "", "decided_at": t, "revision": int(r.revision)}
            for r, t in zip(rows.itertuples(), texts)]


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
    case-file order. Worked out per learner, then for every row at once by index."""
    import numpy as np
    import pandas as pd
    from .classfiles import LearnerFile

    codes, raw = pd.factorize(latest["learner"].to_numpy(dtype=object), sort=False)
    n_raw = len(raw)
    names = np.empty(n_raw, dtype=object)
    usable = np.zeros(n_raw, dtype=bool)
    reads, by_name = [], {}
    for k, who in enumerate(raw.tolist()):
        name, problem = name_of(who)
        if problem is not None:
            reads.append(FileRead(None, ((shown(who) + SERVICE_MARK, shown(problem),
                                          "skipped"),)))
            continue
        names[k], usable[k] = name, True
        by_name.setdefault(name, []).append(k)
    as_file = np.zeros(n_raw, dtype=bool)
    for group in by_name.values():
        if len(group) > 1:
            as_file[group] = True
    for k in sorted(np.flatnonzero(as_file).tolist(), key=lambda k: raw[k]):
        rows = latest[codes == k]
        rows = rows.iloc[np.argsort(rows["item_pos"].to_numpy(), kind="stable")]
        who = raw[k]
        recs = latest_records(rows, who)
        reads.append(FileRead(LearnerFile(shown(who) + SERVICE_MARK, names[k], recs, "match",
                                          0.0, max(r["decided_at"] for r in recs)), ()))
    keep_code = usable & ~as_file
    # each kept learner's place in name order, then every row's
    kept = np.flatnonzero(keep_code)
    rank = np.zeros(n_raw, dtype=np.int64)
    rank[kept[np.argsort(names[kept].astype(str), kind="stable")]] = np.arange(len(kept))
    labels = np.array([shown(w) + SERVICE_MARK if keep_code[k] else ""
                       for k, w in enumerate(raw.tolist())], dtype=object)
    rows = np.flatnonzero(keep_code[codes])
    c = codes[rows]
    pos = latest["item_pos"].to_numpy(dtype=np.int64)[rows]
    order = rows[np.argsort(rank[c] * (len(casebook.item_order) + 1) + pos, kind="stable")]
    c = codes[order]
    def obj(values):
        return pd.Series(values, dtype=object)

    bulk = pd.DataFrame({
        "learner": obj(names[c]),
        "item_id": obj(latest["item_id"].to_numpy(dtype=object)[order]),
        "rules": obj(latest["rules"].to_numpy(dtype=object)[order]),
        "action": obj(latest["action"].to_numpy(dtype=object)[order]),
        "rationale": obj(np.full(len(order), "", dtype=object)),
        "decided_at": latest["decided_time"].iloc[order].reset_index(drop=True),
        "revision": latest["revision"].to_numpy(dtype="int64")[order],
        "label": obj(labels[c]),
    })
    return reads, bulk
