"""A chart shown in a notebook cell, with a sentence for every place that cannot draw it.

``show_chart(chart)`` draws an Altair chart offline (as :func:`kit.charts.show` does) and gives
it a plain-text form that is its summary sentence (:func:`kit.charts.text_alternative`), so
a notebook as shipped, or any viewer without the chart's JavaScript, shows "Chart: ..." in
words instead of ``<altair...JupyterChart object at 0x...>``.
"""
from __future__ import annotations

import altair as alt
import ipywidgets as W

from .. import charts
from ..errors import KitDataError
from .layout import CHART_STYLE


def chart_text(chart) -> str:
    """The plain-text form of a chart: "Chart: <title>. <summary>" (either may be missing).

    >>> import pandas as pd
    >>> c = alt.Chart(pd.DataFrame({"x": [1]}), title="Steps",
    ...               description="One step.").mark_point().encode(x="x:Q")
    >>> chart_text(c)
    'Chart: Steps. One step.'
    """
    title = getattr(chart, "title", alt.Undefined)
    if title is not alt.Undefined and not isinstance(title, str):
        title = getattr(title, "text", alt.Undefined)
    if isinstance(title, (list, tuple)):
        title = " ".join(map(str, title))
    title = "" if title is alt.Undefined or title is None else str(title).strip()
    try:
        summary = charts.text_alternative(chart)
    except Exception:  # noqa: BLE001 - a chart without a summary still gets its title
        summary = ""
    words = [w for w in (title.rstrip(".") + "." if title else "", summary) if w]
    return "Chart: " + " ".join(words) if words else "Chart."


class ChartView(W.VBox):
    """An offline ``alt.JupyterChart`` (:attr:`chart`) whose text form is a sentence about the
    chart, with the style that lets a full-width kit chart take the cell's width on a page
    with no kit app (:data:`kit.widgets.layout.CHART_STYLE`)."""

    def __init__(self, chart, **kwargs):
        self.chart = alt.JupyterChart(chart, **kwargs)
        style = W.HTML(CHART_STYLE, layout=W.Layout(height="0px", margin="0"))
        super().__init__([style, self.chart], layout=W.Layout(width="100%"))
        self.text = chart_text(chart)

    def __repr__(self):
        return self.text

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            data, meta = bundle
            return {**data, "text/plain": self.text}, meta
        if isinstance(bundle, dict):
            return {**bundle, "text/plain": self.text}
        return bundle


def show_chart(chart):
    """Show ``chart`` as the cell's value: drawn offline, with its sentence as plain text.

    In Colab (where the offline widget cannot be shown) the chart itself is returned.

    >>> import pandas as pd
    >>> view = show_chart(alt.Chart(pd.DataFrame({"x": [1]}), description="A dot.")
    ...                   .mark_point().encode(x="x:Q"))
    >>> view._repr_mimebundle_()["text/plain"]
    'Chart: A dot.'
    """
    if not isinstance(chart, alt.TopLevelMixin):
        raise KitDataError(f"expected an Altair chart, got {type(chart).__name__}", file="chart")
    if alt.renderers.active != "colab":   # as kit.charts.show: set up offline drawing
        charts.setup()
    if alt.renderers.active == "colab":
        return chart
    return ChartView(chart)


__all__ = ["show_chart", "chart_text", "ChartView"]
