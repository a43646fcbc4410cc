"""Reading one CSV table of the case file and checking it against SCHEMA, cell by cell."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd

from ..errors import KitDataError
from .schema import DATE_RE, ID_RE, LIST_SEP, SCHEMA, Table


def parse_date(text: str):
    if not DATE_RE.match(text):
        raise ValueError
    return dt.date.fromisoformat(text)


def read_rows(path: Path, table: Table) -> list:
    """Read one CSV file into a list of dicts of stripped strings, checking its shape."""
    name = f"data/{path.name}" if path.parent.name == "data" else str(path)
    if not path.exists():
        raise KitDataError(f"the file is missing (expected the '{table.name}' table here)", file=name)
    raw = path.read_bytes()
    if not raw.strip():
        raise KitDataError("the file is empty: it needs a header row and at least one row of data",
                           file=name)
    if b"\x00" in raw[:4096]:
        raise KitDataError("this is not a CSV text file (it contains binary data)", file=name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise KitDataError(f"the file is not UTF-8 text (byte {e.start}); save it as 'CSV UTF-8'",
                           file=name) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as e:
        raise KitDataError(f"this is not a valid CSV file ({e})", file=name) from None
    header = [h.strip() for h in rows[0]]
    expected = table.column_names
    missing = [c for c in expected if c not in header]
    if missing:
        if not set(header) & set(expected):
            raise KitDataError(
                f"this does not look like a comma-separated table of {table.name}: its first row "
                f"should be the header {','.join(expected)}", file=name)
        raise KitDataError(f"missing column(s) {', '.join(missing)}", file=name, row=1)
    unknown = [h for h in header if h not in expected]
    if unknown:
        raise KitDataError(f"unknown column(s) {', '.join(unknown)}; the columns are "
                           f"{', '.join(expected)} (see data/README.md)", file=name, row=1)
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise KitDataError(f"column(s) {', '.join(dup)} appear twice", file=name, row=1)
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            raise KitDataError(f"has {len(row)} fields but the header has {len(header)} "
                               "(an unquoted comma or a missing quote?)", file=name, row=n)
        out.append((n, {h: cell.strip() for h, cell in zip(header, row)}))
    if not out:
        raise KitDataError("the table has a header but no rows", file=name)
    return name, out


def check_table(table: Table, name: str, rows: list, known: dict) -> pd.DataFrame:
    """Validate rows of one table against SCHEMA; return a typed DataFrame."""
    seen = {}
    data = {c.name: [] for c in table.columns}
    data["_row"] = []
    for n, row in rows:
        for col in table.columns:
            value = row[col.name]
            if not value:
                if col.required:
                    raise KitDataError("is empty but required", file=name, row=n, column=col.name)
                data[col.name].append(() if col.kind == "refs" else
                                      None if col.kind in ("date", "int") else "")
                continue
            if col.kind == "id":
                if not ID_RE.match(value):
                    raise KitDataError(f"{value!r} is not a valid id (letters, digits, _ . - only)",
                                       file=name, row=n, column=col.name)
            elif col.kind == "date":
                try:
                    value = parse_date(value)
                except ValueError:
                    raise KitDataError(f"{value!r} is not a date in the form YYYY-MM-DD",
                                       file=name, row=n, column=col.name) from None
            elif col.kind == "int":
                try:
                    value = int(value)
                except ValueError:
                    raise KitDataError(f"{value!r} is not a whole number (write 880000, not 880k)",
                                       file=name, row=n, column=col.name) from None
            elif col.kind == "enum":
                if value not in col.values:
                    raise KitDataError(f"{value!r} is not one of {', '.join(col.values)}",
                                       file=name, row=n, column=col.name)
            elif col.kind == "url":
                if not re.match(r"^https?://\S+$", value):
                    raise KitDataError(f"{value!r} is not a web address (http:// or https://)",
                                       file=name, row=n, column=col.name)
            elif col.kind in ("ref", "refs"):
                ids = [v.strip() for v in value.split(LIST_SEP)] if col.kind == "refs" else [value]
                target = known[col.ref]
                for ref in ids:
                    if ref not in target:
                        raise KitDataError(
                            f"{ref!r} is not a known {SCHEMA[col.ref].key} "
                            f"in data/{SCHEMA[col.ref].file}", file=name, row=n, column=col.name)
                value = tuple(ids) if col.kind == "refs" else value
            data[col.name].append(value)
        key = row[table.key]
        if key in seen:
            raise KitDataError(f"duplicate {table.key} {key!r} (first used in row {seen[key]})",
                               file=name, row=n, column=table.key)
        seen[key] = n
        data["_row"].append(n)
    frame = pd.DataFrame(data)
    for col in table.columns:
        if col.kind == "date":
            frame[col.name] = pd.to_datetime(frame[col.name])
        elif col.kind == "int":
            frame[col.name] = frame[col.name].astype("Int64")
    return frame


