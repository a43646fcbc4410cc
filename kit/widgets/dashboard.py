"""ClassDashboard: the teacher's view of a class's decisions, during the lesson and after.

Sources, read together and each as untrusted input (:class:`kit.classsources.ClassCollector`):
a class folder (default: the kit's decisions folder), files uploaded with *Upload files*
(many at once; the same checks and messages as a class folder), and the class service
when the kit runs under a JupyterHub that has one (:func:`kit.sync.class_service`).
*Load* reads again; *Refresh every N s* does it by itself during the lesson, re-reading
only files (or learners' records) that changed, and the dashboard says when it last did.

It shows how many learners, the files in a conflict (several files for one learner, or a
file named for another learner; the first 50 problems, then a count), names that look
alike, the class's choices per item and the class against Twitter (charts), Fleiss'
kappa with a plain-language reading, a per-item table, and a debrief panel: the items
the class was most divided on, with opposite rationales side by side
(:mod:`kit.debrief`). *Projector mode* hides every name behind a stable anonymous label
(:class:`kit.classnames.AnonymousLabels`). *Downloads* gives the class table (CSV) and
both charts (PNG, SVG), made on this machine.
"""
from __future__ import annotations

import datetime as dt
import math
import threading
import weakref
from pathlib import Path

import ipywidgets as W

from ..casebook import default_casebook
from ..classnames import AnonymousLabels
from ..classroom import MAX_SHOWN_PROBLEMS, agreement_words
from ..words import plural
from . import classhtml
from ._common import ChartSlot, KitApp, html_slot, labelled
from .autorefresh import AutoRefresh

#: Seconds between refreshes when *Refresh every N s* is on (the teacher can change it).
REFRESH_SECONDS = 5
#: The dashboard that refreshes by itself in this kernel (one at a time: re-running the
#: notebook's cell makes a new dashboard, and the old one, no longer shown, stops).
_LIVE = weakref.WeakSet()


def kappa_reading(kappa: float) -> str:
    """Plain words for a kappa value, after Landis & Koch (1977); the class summary's words.

    >>> kappa_reading(0.5), kappa_reading(-0.1), kappa_reading(0.2)
    ('moderate agreement', 'less agreement than chance', 'slight agreement')
    >>> kappa_reading(float("nan"))
    'not available'
    """
    return agreement_words(kappa)


def _service_client():
    """The class service's client when the kit runs under a hub that has one, else None."""
    try:
        from .. import sync
        return sync.class_service()
    except Exception:  # noqa: BLE001 - no service: the dashboard reads files as before
        return None


def _button(description, tooltip, css, icon="", style=""):
    b = labelled(W.Button(icon=icon, button_style=style, layout=W.Layout(width="auto")),
                 description, tooltip)
    b.add_class(css)
    return b


class ClassDashboard(KitApp):
    """The class at a glance, from a folder, uploaded files and the class service.

    ``ClassDashboard(folder=None, casebook=None, service="auto", refresh=None,
    projector=False, secret=None)``: ``folder`` defaults to the kit's decisions folder
    (loaded at once when it exists); ``service`` is a class service client (an object
    with ``fetch_class(since)``), None for none, or "auto" (:func:`kit.sync.class_service`);
    ``refresh`` seconds between automatic refreshes (0: off; default: on every
    :data:`REFRESH_SECONDS` s when the class service is used, else off); ``projector``
    starts in projector mode; ``secret`` keys the anonymous labels (default: one per
    kernel). ``results`` is the latest :class:`kit.classroom.ClassResults`,
    ``collector`` the :class:`kit.classsources.ClassCollector`, ``labels`` the
    :class:`kit.classnames.AnonymousLabels`. :meth:`close` stops the refresh; so does a
    newer dashboard that starts refreshing (one refreshes at a time in a kernel).

    >>> import kit, tempfile
    >>> dash = ClassDashboard(tempfile.mkdtemp(), kit.load_casebook(), service=None)
    >>> dash.results.learners, "No learner decisions yet" in dash.overview.value
    ([], True)
    """

    def __init__(self, folder=None, casebook=None, service="auto", refresh=None,
                 projector=False, secret=None):
        super().__init__("dash", title="Class dashboard")
        from ..classsources import ClassCollector
        self.casebook = casebook if casebook is not None else default_casebook()
        self.results = None
        self._shown = None  # the results the panels show
        self._drawing = threading.RLock()
        if folder is None:
            from ..decisions import default_folder
            folder = default_folder()
        client = _service_client() if isinstance(service, str) and service == "auto" else service
        self.labels = AnonymousLabels(secret)
        self.collector = ClassCollector(self.casebook, service=client)
        self._client = client
        self.auto_refresh = AutoRefresh(self.safely(self.refresh), REFRESH_SECONDS,
                                        alive=lambda: getattr(self, "comm", True) is not None)
        self.set_body(self._sources_bar(folder, client), self._lesson_bar(projector),
                      *self._panels())
        if Path(str(folder)).expanduser().is_dir() or client is not None:
            self.safely(self._on_load)()
        seconds = (REFRESH_SECONDS if client is not None else 0) if refresh is None else refresh
        if seconds:
            self.every.value = max(self.every.min, min(self.every.max, int(seconds)))
            self.auto.value = True

    # -- building -----------------------------------------------------------------------
    def _sources_bar(self, folder, client):
        wide = W.Layout(flex="1 1 260px", width="auto", min_width="0")
        self.folder = labelled(W.Text(value=str(folder), layout=wide), "Class folder",
                               "The folder holding your learners' decision files "
                               "(.decisions.jsonl, .json or .csv); leave it empty for none")
        self.folder.add_class("kit-dash-folder")
        self.load = _button("Load", "Read every learner file in the folder (again)",
                            "kit-dash-load", icon="refresh", style="primary")
        self.load.on_click(self.safely(self._on_load))
        self.upload = W.FileUpload(accept=".jsonl,.json,.csv", multiple=True,
                                   description="Upload files", layout=W.Layout(width="auto"))
        self.upload.tooltip = ("Add learners' decision files from this computer (several "
                               "at once); each is checked like a file in the class folder")
        self.upload.add_class("kit-dash-upload")
        self.upload.observe(self.safely(self._on_upload), names="value")
        self.clear_uploads = _button("Forget uploads", "Leave the uploaded files out again",
                                     "kit-dash-clear-uploads", icon="times")
        self.clear_uploads.disabled = True
        self.clear_uploads.on_click(self.safely(self._on_clear_uploads))
        self.use_service = labelled(W.Checkbox(value=client is not None, indent=False,
                                               layout=W.Layout(width="auto")),
                                    "Class service", "Read the records your learners' "
                                    "kernels sent to the class service on this hub")
        self.use_service.add_class("kit-dash-service")
        self.use_service.layout.display = None if client is not None else "none"
        self.use_service.observe(self.safely(self._on_service), names="value")
        row = W.Layout(flex_flow="row wrap", width="100%", align_items="center")
        return W.VBox([W.Box([self.folder, self.load], layout=row),
                       W.Box([self.upload, self.clear_uploads, self.use_service], layout=row)],
                      layout=W.Layout(width="100%"))

    def _lesson_bar(self, projector):
        self.auto = labelled(W.ToggleButton(value=False, icon="clock-o",
                                            layout=W.Layout(width="auto")),
                             f"Refresh every {REFRESH_SECONDS} s",
                             "Read new and changed files by itself during the lesson")
        self.auto.add_class("kit-dash-auto")
        self.every = labelled(W.BoundedIntText(value=REFRESH_SECONDS, min=2, max=600,
                                               layout=W.Layout(width="150px")),
                              "Seconds", "Seconds between two automatic refreshes")
        self.every.add_class("kit-dash-every")
        self.auto.observe(self.safely(self._on_auto), names="value")
        self.every.observe(self.safely(self._on_auto), names="value")
        self.projector = labelled(W.ToggleButton(value=bool(projector), icon="eye-slash",
                                                 layout=W.Layout(width="auto")),
                                  "Projector mode (hide names)",
                                  "Show anonymous labels instead of learners' names "
                                  "everywhere, exports included")
        self.projector.add_class("kit-dash-projector")
        self.projector.observe(self.safely(self._on_projector), names="value")
        self.refreshed = html_slot("kit-dash-refreshed", width="auto")
        return W.Box([self.auto, self.every, self.projector, self.refreshed],
                     layout=W.Layout(flex_flow="row wrap", width="100%", align_items="center"))

    def _panels(self):
        self.overview = html_slot("kit-dash-overview")
        self.problems = html_slot("kit-dash-problems")
        self.kappa = html_slot("kit-dash-kappa")
        self.distribution_chart = ChartSlot("kit-dash-distribution")
        self.vs_twitter_chart = ChartSlot("kit-dash-vs-twitter")
        self.table = html_slot("kit-dash-table")
        self.debrief = html_slot("kit-dash-debrief")
        self.exports = [
            _button("Class table (CSV)", "The class's decisions, one row per learner and item "
                    "(anonymous labels in projector mode)", "kit-dash-export-csv", "download"),
            _button("Per item (CSV)", "The per-item table", "kit-dash-export-items", "download"),
            _button("Charts (PNG)", "Both charts as pictures", "kit-dash-export-png", "download"),
            _button("Charts (SVG)", "Both charts as drawings that scale", "kit-dash-export-svg",
                    "download")]
        for b, kind in zip(self.exports, ("csv", "items", "png", "svg")):
            b.on_click(self.safely(lambda _b, kind=kind: self.export(kind)))
        self.downloads = W.VBox(layout=W.Layout(width="100%"))
        self.downloads.add_class("kit-dash-downloads")
        return (self.overview, self.problems, self.kappa,
                W.HTML("<h4>What the class chose, item by item</h4>"), self.distribution_chart,
                W.HTML("<h4>The class against Twitter</h4>"), self.vs_twitter_chart, self.table,
                W.HTML("<h4>Debrief: where the class was most divided</h4>"), self.debrief,
                W.HTML("<h4>Downloads for handouts</h4>"),
                W.Box(self.exports, layout=W.Layout(flex_flow="row wrap", width="100%")),
                self.downloads)

    # -- reading ------------------------------------------------------------------------
    def _on_load(self, _=None):
        folder = self.folder.value.strip()
        self.collector.set_folder(Path(folder).expanduser() if folder else None)
        if not folder and not self.collector.uploads and self.collector.service is None:
            self.show_info("Type the folder that holds the learners' files, or upload "
                           "their files, then Load.")
            return
        res = self.refresh()
        where = folder or self.collector.source_words()
        self.show_info(f"Loaded {plural(len(res.learners), 'learner')} from {where}.")

    def refresh(self):
        """Read what changed (all sources) and show it; returns the results. One refresh
        at a time (a click and the automatic refresh never draw at once)."""
        with self._drawing:
            res = self.collector.collect()
            self.results = res
            if res is not self._shown:
                self._render(res)
            self._show_refreshed()
            return res

    def _show_refreshed(self):
        c = self.collector
        if c.last_refresh is None:
            self.refreshed.value = ""
            return
        when = c.last_refresh.astimezone().strftime("%H:%M:%S")
        auto = (f"; refreshing every {self.every.value} s" if self.auto_refresh.running
                else "")
        self.refreshed.value = (f'<span class="kit-muted" role="status">Last refreshed {when}'
                                f" ({plural(c.last_read, 'file')} read again){auto}.</span>")

    def _on_upload(self, change):
        files = change.get("new") or ()
        if not files:
            return
        replaced = 0
        for f in files:
            replaced += bool(self.collector.add_upload(str(f["name"]), bytes(f["content"])))
        self.upload.value = ()  # the same files can be uploaded again after a change
        self.clear_uploads.disabled = False
        res = self.refresh()
        more = f" ({replaced} replaced an earlier upload of the same name)" if replaced else ""
        self.show_info(f"Read {plural(len(files), 'uploaded file')}{more}: "
                       f"{plural(len(res.learners), 'learner')} in the class now.")

    def _on_clear_uploads(self, _=None):
        self.collector.clear_uploads()
        self.clear_uploads.disabled = True
        self.refresh()
        self.show_info("The uploaded files are left out again.")

    def _on_service(self, change):
        self.collector.service = self._client if change["new"] else None
        self.refresh()

    def _on_auto(self, _=None):
        self.auto.description = f"Refresh every {self.every.value} s"
        if self.auto.value:
            for other in list(_LIVE):
                if other is not self:
                    other.auto.value = False  # one live dashboard per kernel: the newest
                    other.show_info("Stopped refreshing: a newer class dashboard refreshes "
                                    "by itself now.")
            _LIVE.add(self)
            self.auto_refresh.start(self.every.value)
        else:
            _LIVE.discard(self)
            self.auto_refresh.stop()
        self._show_refreshed()

    def _on_projector(self, _=None):
        with self._drawing:
            if self.results is not None:
                self._render(self.results, charts=False)
        self.downloads.children = ()  # a download made with names must not stay on screen

    def close(self):
        """Stop refreshing and close the dashboard's widgets."""
        _LIVE.discard(self)
        self.auto_refresh.stop()
        super().close()

    # -- rendering ------------------------------------------------------------------------
    def _name(self):
        return self.labels if self.projector.value else None

    def _render(self, res, charts=True):
        from ..debrief import debrief_items
        projector = self.projector.value
        self.overview.value = classhtml.overview_html(res, self._name())
        self.problems.value = classhtml.problems_html(res, MAX_SHOWN_PROBLEMS, projector,
                                                      self.labels)
        self.kappa.value = classhtml.kappa_html(res, kappa_reading)
        self.table.value = classhtml.item_table_html(res, self.casebook)
        self.debrief.value = classhtml.debrief_html(
            debrief_items(res, self.casebook, self.labels), self.casebook)
        if charts:
            from .. import charts as ch
            if len(res.learners):
                self.distribution_chart.update(ch.class_distribution_chart(res.distribution,
                                                                           self.casebook))
                self.vs_twitter_chart.update(ch.class_vs_twitter_chart(res.vs_twitter,
                                                                       self.casebook))
            else:
                self.distribution_chart.update(None)
                self.vs_twitter_chart.update(None)
        self._shown = res

    # -- downloads ------------------------------------------------------------------------
    def export(self, kind: str) -> list:
        """Offer a download of ``kind``: "csv" (the class table, names or labels as
        shown), "items" (the per-item table), "png" or "svg" (both charts). Returns the
        (filename, bytes) made."""
        from .. import classexport as ex
        from .download import download_link
        res = self.results
        if res is None:
            self.show_info("Load the class first.")
            return []
        day = dt.date.today().isoformat()
        anon = "-anonymous" if self.projector.value else ""
        if kind == "csv":
            made = [(f"class-decisions{anon}-{day}.csv", "text/csv",
                     ex.class_table_csv(res, self.casebook, self._name()))]
        elif kind == "items":
            made = [(f"class-items-{day}.csv", "text/csv", ex.item_table_csv(res, self.casebook))]
        elif kind in ("png", "svg"):
            draw = ex.chart_png if kind == "png" else ex.chart_svg
            mime = "image/png" if kind == "png" else "image/svg+xml"
            made = [(f"{name}-{day}.{kind}", mime, draw(chart))
                    for name, chart in ex.class_charts(res, self.casebook).items()]
        else:
            raise ValueError(f"unknown export {kind!r}")
        links = []
        for name, mime, data in made:
            link = download_link(data, name, mime, f"Download {name}")
            links.append(link if isinstance(link, W.Widget) else W.HTML(str(link)))
        self.downloads.children = tuple(links)
        self.show_info(f"Ready: {', '.join(n for n, _, _ in made)}. Click to download.")
        return [(n, d) for n, _, d in made]

    def status_line(self) -> str:
        r = self.results
        if r is None:
            return "dash: not loaded"
        skipped = int((r.problems["kind"] == "skipped").sum()) if len(r.problems) else 0
        conflicts = int((r.problems["kind"] == "conflict").sum()) if len(r.problems) else 0
        k = "n/a" if math.isnan(r.fleiss_kappa) else f"{r.fleiss_kappa:.2f}"
        extra = f", {conflicts} files in conflict" if conflicts else ""
        return f"dash: {len(r.learners)} learners, {skipped} files skipped{extra}, kappa {k}"


__all__ = ["ClassDashboard", "kappa_reading", "REFRESH_SECONDS"]
