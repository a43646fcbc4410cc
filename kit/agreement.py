"""Agreement beyond chance: Cohen's kappa for two raters, Fleiss' kappa for many.

Pure statistics on plain sequences and count tables; :mod:`kit.compare` applies them to
decisions (``kappa_vs_twitter``) and :mod:`kit.classroom` to a class.

Both return ``nan`` when kappa is undefined: when chance agreement is already total
(every rating falls in one category, so there is nothing for agreement "beyond chance"
to measure) or when there is nothing to rate.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .errors import KitDataError
from .words import missing, some


def _ratings(values, name) -> list:
    try:
        values = list(values)
    except TypeError:
        raise KitDataError(f"expected a list of ratings, got {type(values).__name__}",
                           column=name) from None
    if any(missing(v) for v in values):
        raise KitDataError("a rating is missing (blank or NaN); drop unrated items first",
                           column=name)
    return values


def cohen_kappa(a, b, labels=None, weights=None) -> float:
    """Cohen's kappa: agreement of two raters on the same items, beyond chance.

    ``a`` and ``b`` are equally long sequences of category labels (action ids,
    levels, "yes"/"no"...). ``labels`` lists the categories in order (default:
    the sorted labels seen); it matters for ``weights="linear"``, which counts a
    disagreement of d positions in ``labels`` as d/(k-1) of a full disagreement,
    for ordinal scales such as the enforcement ladder. ``weights=None`` is the
    plain (unweighted) kappa: (p_o - p_e) / (1 - p_e).

    Returns NaN when kappa is undefined: no items, or chance agreement already
    total (both raters put every item in the same single category, p_e = 1).

    Wikipedia's worked example (50 proposals, yes/yes 20, no/no 15, yes/no 5, no/yes 10):

    >>> a = ["yes"] * 25 + ["no"] * 25
    >>> b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    >>> round(cohen_kappa(a, b), 6)
    0.4
    >>> cohen_kappa(["x", "x"], ["x", "x"])
    nan
    """
    a = _ratings(a, "a")
    b = _ratings(b, "b")
    if len(a) != len(b):
        raise KitDataError(f"the two raters rated different numbers of items ({len(a)} and {len(b)})")
    if weights not in (None, "linear"):
        raise KitDataError(f"weights must be None or 'linear' (got {weights!r})", column="weights")
    if labels is None:
        try:
            labels = sorted(set(a) | set(b))
        except TypeError:
            raise KitDataError("the ratings mix kinds of labels that cannot be ordered; "
                               "pass labels=[...] in order") from None
    labels = list(labels)
    if len(set(labels)) != len(labels):
        raise KitDataError("labels lists a category twice", column="labels")
    index = {lab: i for i, lab in enumerate(labels)}
    unknown = [v for v in [*a, *b] if v not in index]
    if unknown:
        raise KitDataError(f"rating(s) {some(unknown)} are not among the labels {labels!r}",
                           column="labels")
    n, k = len(a), len(labels)
    if n == 0 or k < 2:
        return math.nan
    table = np.zeros((k, k))
    np.add.at(table, ([index[v] for v in a], [index[v] for v in b]), 1)
    observed = table / n
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    pos = np.arange(k)
    if weights == "linear":
        w = np.abs(pos[:, None] - pos[None, :]) / (k - 1)
    else:
        w = (pos[:, None] != pos[None, :]).astype(float)
    disagree_expected = float((w * expected).sum())
    if disagree_expected <= 1e-12:
        return math.nan
    return float(1 - (w * observed).sum() / disagree_expected)


def fleiss_kappa(counts) -> float:
    """Fleiss' kappa: agreement among many raters who each put every item in one category.

    ``counts`` is an items x categories table (DataFrame, array or list of lists)
    of how many raters chose each category for each item. Every item must have
    the same number of raters, at least 2: Fleiss' formula assumes it, and this
    function raises :class:`kit.KitDataError` naming the items that differ rather
    than silently dropping or reweighting them (keep only the items everyone rated;
    ``collect_class`` does exactly that). Items with no raters at all are dropped.

    Returns NaN when kappa is undefined: no items, or every rating in one single
    category (chance agreement p_e = 1; the raters agree perfectly but there is no
    variation to tell agreement from chance).

    Fleiss (1971)'s example as given on Wikipedia's "Fleiss' kappa" page
    (10 items, 14 raters, 5 categories):

    >>> table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    ...          [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    ...          [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    >>> round(fleiss_kappa(table), 3)
    0.21
    """
    names = None
    if isinstance(counts, pd.DataFrame):
        names = [str(i) for i in counts.index]
        counts = counts.to_numpy()
    try:
        arr = np.asarray(counts, dtype=float)
    except (TypeError, ValueError):
        raise KitDataError("counts must be a table of whole numbers (items x categories)") from None
    if arr.ndim != 2:
        raise KitDataError("counts must be a table: one row per item, one column per category")
    if names is None:
        names = [str(i + 1) for i in range(arr.shape[0])]
    if not np.isfinite(arr).all() or (arr < 0).any() or (arr != np.round(arr)).any():
        raise KitDataError("counts must be whole numbers, 0 or more")
    per_item = arr.sum(axis=1)
    keep = per_item > 0
    arr, per_item = arr[keep], per_item[keep]
    names = [nm for nm, kp in zip(names, keep) if kp]
    if len(arr) == 0:
        return math.nan
    n = per_item[0]
    if (per_item != n).any():
        sizes = pd.Series(per_item, index=names)
        modal = sizes.mode().iloc[0]
        odd = sizes[sizes != modal]
        raise KitDataError(
            "Fleiss' kappa needs the same number of raters for every item; most items have "
            f"{int(modal)} but {some(odd.index)} {'has' if len(odd) == 1 else 'have'} "
            f"{some(int(v) for v in odd)}. Keep only items everyone rated.")
    if n < 2:
        raise KitDataError("Fleiss' kappa needs at least 2 raters per item")
    p_cat = arr.sum(axis=0) / arr.sum()
    p_item = (arr * (arr - 1)).sum(axis=1) / (n * (n - 1))
    p_bar, p_e = p_item.mean(), float((p_cat ** 2).sum())
    if p_e >= 1 - 1e-12:
        return math.nan
    return float((p_bar - p_e) / (1 - p_e))
