"""Whole columns at once: the kit's time text as integers, and integer columns as text.

The class service sends a large class column by column (``api/class?shape=latest``, see
docs/class-service.md). Two helpers keep that fast for 100,000 learners (3.6 million
decisions) without a library beyond numpy:

* :func:`kit_times_us` reads times in the kit's form (``2024-05-01T12:00:00.000000Z``)
  as microseconds since 1970-01-01 UTC, checked byte by byte (digits, separators, a real
  day of a real month, years 2000-2200), so no text is parsed one by one;
* :func:`pack` and :func:`unpack` carry a column of whole numbers as base64 text of
  little-endian integers in the smallest type that holds them, so a reply is a few
  strings rather than millions of JSON numbers, and reading it is one decode.

>>> us, ok = kit_times_us(["2024-05-01T12:00:00.000001Z", "2024-02-30T00:00:00.000000Z"])
>>> us[0], ok.tolist()
(np.int64(1714564800000001), [True, False])
>>> times_text(us[:1])
['2024-05-01T12:00:00.000001Z']
>>> series_text(utc_times(us[:1]))
['2024-05-01T12:00:00.000001Z']
>>> unpack(pack([3, 70000, 0]), "col").tolist()
[3, 70000, 0]
"""
from __future__ import annotations

import base64
import binascii

import numpy as np

from ..errors import KitDataError

#: Byte positions of the digits and the fixed marks of a time in the kit's form.
_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25)
_MARKS = {4: b"-", 7: b"-", 10: b"T", 13: b":", 16: b":", 19: b".", 26: b"Z", 27: b"\0"}
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
#: The years a kit time may have (as the kit's readers accept them).
YEARS = (2000, 2200)
#: The first and last microsecond of those years (1970 as 0).
US_LOW = 946_684_800_000_000            # 2000-01-01T00:00:00Z
US_HIGH = 7_289_654_399_999_999         # 2200-12-31T23:59:59.999999Z
#: The integer types a packed column may use (numpy's names, little-endian).
DTYPES = ("|u1", "<u2", "<u4", "<i8")


def _days(y, m, d):
    """Days since 1970-01-01 of (proleptic Gregorian) dates, as arrays."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def kit_times_us(values):
    """Texts that should be times in the kit's form -> (int64 microseconds since 1970 UTC,
    which ones are). A text that is not one (another form, month 13, 30 February, year
    1999, not ASCII) gets False and 0."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    try:
        raw = np.array(values, dtype="S28")
        if raw.shape != (n,):
            raise ValueError("not one text per row")
    except (UnicodeEncodeError, ValueError, TypeError):   # not ASCII text: not a time
        raw = np.array([v.encode("utf-8", "replace")[:28] if isinstance(v, str) else b"?"
                        for v in values], dtype="S28")
    m = raw.view(np.uint8).reshape(n, 28)
    digits = m[:, list(_DIGITS)] - np.uint8(48)   # wraps below "0": anything else is > 9
    ok = (digits <= 9).all(axis=1)
    for pos, ch in _MARKS.items():
        ok &= m[:, pos] == ch[0]

    def num(a, b):
        weights = 10 ** np.arange(b - a - 1, -1, -1, dtype=np.int32)
        return (digits[:, a:b].astype(np.int32) @ weights).astype(np.int64)

    year, month, day = num(0, 4), num(4, 6), num(6, 8)
    hour, minute, second, micro = num(8, 10), num(10, 12), num(12, 14), num(14, 20)
    ok &= (year >= YEARS[0]) & (year <= YEARS[1]) & (month >= 1) & (month <= 12)
    month = np.where(ok, month, 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _MONTH_DAYS[month] + ((month == 2) & leap)
    ok &= (day >= 1) & (day <= last) & (hour <= 23) & (minute <= 59) & (second <= 59)
    secs = _days(year, month, np.where(ok, day, 1)) * 86400 + hour * 3600 + minute * 60 + second
    us = np.where(ok, secs * 1_000_000 + micro, 0)
    return us.astype(np.int64), ok


def times_text(us) -> list:
    """Microseconds since 1970 UTC -> the kit's time texts (``2024-05-01T12:00:00.000000Z``)."""
    stamps = np.asarray(us, dtype=np.int64).astype("datetime64[us]")
    return [t + "Z" for t in np.datetime_as_string(stamps, unit="us").tolist()]


def utc_times(us):
    """Microseconds since 1970 -> a Series of UTC datetimes (``datetime64[us, UTC]``)."""
    import pandas as pd
    return pd.Series(np.asarray(us, dtype=np.int64).view("datetime64[us]")).dt.tz_localize("UTC")


def series_text(times) -> list:
    """A Series of UTC datetimes -> the kit's time texts."""
    local = times.dt.tz_convert(None) if times.dt.tz is not None else times
    return times_text(local.to_numpy().astype("datetime64[us]").astype(np.int64))


def pack(values) -> dict:
    """A column of whole numbers (>= 0, or any for int64) -> ``{"dtype", "base64"}``."""
    arr = np.asarray(values)
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"pack takes whole numbers, not {arr.dtype}")
    top = int(arr.max()) if arr.size else 0
    low = int(arr.min()) if arr.size else 0
    if low < 0 or top >= 2**32:
        dtype = "<i8"
    else:
        dtype = "|u1" if top < 2**8 else "<u2" if top < 2**16 else "<u4"
    data = np.ascontiguousarray(arr, dtype=np.dtype(dtype)).tobytes()
    return {"dtype": dtype, "base64": base64.b64encode(data).decode("ascii")}


def unpack(doc, name: str, rows=None, file: str = "the class service"):
    """A packed column (untrusted) -> int64 array; KitDataError naming the column when it is
    not one (wrong shape or type, bad base64, ``rows`` given and a different length)."""
    def bad(problem):
        return KitDataError(problem, file=file, column=name)

    if not isinstance(doc, dict) or not isinstance(doc.get("base64"), str):
        raise bad("should be an object with 'dtype' and 'base64' (a packed column)")
    dtype = doc.get("dtype")
    if dtype not in DTYPES:
        raise bad(f"dtype should be one of {', '.join(DTYPES)}, not {str(dtype)[:40]!r}")
    try:
        data = base64.b64decode(doc["base64"].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise bad("is not base64 text") from None
    size = np.dtype(dtype).itemsize
    if len(data) % size:
        raise bad(f"has {len(data):,} bytes, not a whole number of {dtype} values")
    arr = np.frombuffer(data, dtype=np.dtype(dtype)).astype(np.int64)
    if rows is not None and len(arr) != rows:
        raise bad(f"has {len(arr):,} rows, not {rows:,}")
    return arr
