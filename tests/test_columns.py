"""Whole columns at once: kit times as numbers, packed integer columns (kit.decisions.columns)."""
from __future__ import annotations

import base64
import datetime as dt

import numpy as np
import pytest

import kit
from kit.decisions.columns import (US_HIGH, US_LOW, kit_times_us, pack, series_text, times_text,
                                   unpack)


def _us(text):
    t = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
    return (t - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(microseconds=1)


GOOD = ["2024-05-01T12:00:00.000000Z", "2000-01-01T00:00:00.000000Z",
        "2200-12-31T23:59:59.999999Z", "2024-02-29T23:59:59.123456Z",
        "2000-02-29T08:00:00.000001Z", "2026-12-01T10:11:12.131415Z"]
BAD = ["2023-02-29T00:00:00.000000Z",   # not a leap year
       "2100-02-29T00:00:00.000000Z",   # nor is 2100
       "2024-04-31T00:00:00.000000Z", "2024-13-01T00:00:00.000000Z",
       "2024-00-10T00:00:00.000000Z", "2024-05-00T00:00:00.000000Z",
       "2024-05-01T24:00:00.000000Z", "2024-05-01T12:60:00.000000Z",
       "2024-05-01T12:00:60.000000Z", "1999-12-31T23:59:59.999999Z",
       "2201-01-01T00:00:00.000000Z", "2024-05-01T12:00:00.000000",
       "2024-05-01T12:00:00Z", "2024-05-01 12:00:00.000000Z", "2024-05-01T12:00:00.000000Zx",
       "2024-05-01T12:00:00.00000aZ", "２024-05-01T12:00:00.000000Z", "", "x"]


def test_kit_times_are_read_exactly_and_only_real_times_pass():
    us, ok = kit_times_us(GOOD + BAD)
    assert ok.tolist() == [True] * len(GOOD) + [False] * len(BAD)
    assert us[:len(GOOD)].tolist() == [_us(t) for t in GOOD]
    assert (us[len(GOOD):] == 0).all()
    assert us[1] == US_LOW and us[2] == US_HIGH
    assert times_text(us[:len(GOOD)]) == GOOD
    assert kit_times_us([])[0].shape == (0,)


def test_kit_times_of_every_day_of_a_leap_cycle():
    day = dt.datetime(2096, 1, 1, 5, 6, 7, 89, tzinfo=dt.timezone.utc)
    texts = [(day + dt.timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%S.%fZ") for n in range(1900)]
    us, ok = kit_times_us(texts)
    assert ok.all() and us.tolist() == [_us(t) for t in texts]


def test_series_text_gives_the_kit_form():
    import pandas as pd
    s = pd.Series(pd.to_datetime(GOOD[:2], utc=True))
    assert series_text(s) == GOOD[:2]


@pytest.mark.parametrize("values, dtype", [([0, 1, 255], "|u1"), ([256, 3], "<u2"),
                                           ([70_000], "<u4"), ([2**32], "<i8"),
                                           ([-1, 5], "<i8"), ([US_HIGH], "<i8"), ([], "|u1")])
def test_packed_columns_round_trip_in_the_smallest_type(values, dtype):
    doc = pack(values)
    assert doc["dtype"] == dtype
    assert unpack(doc, "c", len(values)).tolist() == values


@pytest.mark.parametrize("doc, problem", [
    ([1, 2], "should be an object with 'dtype' and 'base64'"),
    ({"dtype": "<f8", "base64": ""}, "dtype should be one of"),
    ({"dtype": "<u2", "base64": "***"}, "is not base64 text"),
    ({"dtype": "<u2", "base64": base64.b64encode(b"abc").decode()}, "not a whole number of <u2"),
    ({"dtype": "|u1", "base64": base64.b64encode(b"ab").decode()}, "has 2 rows, not 3"),
])
def test_a_bad_packed_column_names_the_column(doc, problem):
    with pytest.raises(kit.KitDataError) as err:
        unpack(doc, "columns.item", 3)
    assert problem in str(err.value) and err.value.column == "columns.item"


def test_pack_takes_whole_numbers_only():
    with pytest.raises(TypeError):
        pack(np.array([0.5]))
