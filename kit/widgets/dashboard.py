"""ClassDashboard: the teacher's view of a class's decisions.

A folder box (default: the kit's decisions folder, ``kit.decisions.default_folder()``)
and a Load button. Loading reads every learner file in the folder with
:func:`kit.collect_class` (untrusted files: a bad one is skipped and listed with
its reason, never fatal) and shows: how many learners, the files in a conflict
(several files for one learner, or a file named for another learner; the first
50 problems, then a count), names that look alike, the skipped files, the
class's choices per item (chart), the class against Twitter (chart), Fleiss'
kappa with a plain-language reading, and a per-item table.
"""
from __future__ import annotations

import math
from pathlib import Path

import ipywidgets as W

from ..classroom import agreement_words
from ..casebook import default_casebook
from ..words import blank, plural
from ._common import ChartSlot, KitApp, esc, html_slot, labelled

def kappa_reading(kappa: float) -> str:
    """Plain words for a kappa value, after Landis & Koch (1977); the class summary's words.

    >>> kappa_reading(0.5), kappa_reading(-0.1), kappa_reading(0.2)
    ('moderate agreement', 'less agreement than chance', 'slight agreement')
    >>> kappa_reading(float("nan"))
    'not available'
    """
    return agreement_words(kappa)


def _pct(value) -> str:
    return "" if blank(value) else f"{value:.0%}"


def _num(value, fmt="{:.1f}") -> str:
    return "" if blank(value) else fmt.format(value)


class ClassDashboard(KitApp):
    """Load a class folder of learner decision files and see the class at a glance.

    ``ClassDashboard(folder=None, casebook=None)``: ``folder`` defaults to the
    kit's decisions folder. The folder is loaded at once when it exists; the
    ``load`` button (CSS class ``kit-dash-load``) reloads it, e.g. after more
    learners handed in. ``results`` is the :class:`kit.classroom.ClassResults`.

    >>> import kit, tempfile
    >>> dash = ClassDashboard(tempfile.mkdtemp(), kit.load_casebook())
    >>> dash.results.learners, "No learner decisions yet" in dash.overview.value
    ([], True)
    """

    def __init__(self, folder=None, casebook=None):
        super().__init__("dash", title="Class dashboard")
        if casebook is None:
            casebook = default_casebook()
        self.casebook = casebook
        self.results = None
        if folder is None:
            from ..decisions import default_folder
            folder = default_folder()
        self.folder = labelled(W.Text(value=str(folder),
                                      layout=W.Layout(flex="1 1 260px", width="auto",
                                                      min_width="0")),
                               "Class folder",
                               "The folder holding your learners' decision files "
                               "(.decisions.jsonl, .json or .csv)")
        self.folder.add_class("kit-dash-folder")
        self.load = labelled(W.Button(button_style="primary", icon="refresh"), "Load",
                             "Read every learner file in the folder (again)")
        self.load.add_class("kit-dash-load")
        self.load.on_click(self.safely(self._on_load))
        bar = W.Box([self.folder, self.load], layout=W.Layout(flex_flow="row wrap", width="100%",
                                                              align_items="center"))

        self.overview = html_slot("kit-dash-overview")
        self.problems = html_slot("kit-dash-problems")
        self.kappa = html_slot("kit-dash-kappa")
        self.distribution_chart = ChartSlot("kit-dash-distribution")
        self.vs_twitter_chart = ChartSlot("kit-dash-vs-twitter")
        self.table = html_slot("kit-dash-table")
        self.set_body(bar, self.overview, self.problems, self.kappa,
                      W.HTML("<h4>What the class chose, item by item</h4>"),
                      self.distribution_chart,
                      W.HTML("<h4>The class against Twitter</h4>"), self.vs_twitter_chart,
                      self.table)
        if Path(str(folder)).is_dir():
            self.safely(self._on_load)()

    def _on_load(self, _=None):
        from ..classroom import collect_class
        folder = self.folder.value.strip()
        if not folder:
            self.show_info("Type the folder that holds the learners' files, then Load.")
            return
        res = collect_class(Path(folder).expanduser(), self.casebook)
        self.results = res
        self._render(res)
        self.show_info(f"Loaded {plural(len(res.learners), 'learner')} from {folder}.")

    # -- rendering ------------------------------------------------------------------------
    def _render(self, res):
        n = len(res.learners)
        if n == 0:
            self.overview.value = ('<div class="kit-card"><p>No learner decisions yet in this '
                                   "folder.</p></div>")
        else:
            from ..classroom import shown as _shown
            shown = ", ".join(esc(_shown(x)) for x in res.learners[:30])
            more = f" and {n - 30} more" if n > 30 else ""
            self.overview.value = (f'<div class="kit-card"><p><b>{plural(n, "learner")}</b>, '
                                   f"{len(res.decisions)} decisions.</p>"
                                   f"<p class='kit-muted'>{shown}{more}</p></div>")
        self.problems.value = self._problems_html(res)
        self.kappa.value = self._kappa_html(res)
        from .. import charts
        if n:
            self.distribution_chart.update(charts.class_distribution_chart(res.distribution, self.casebook))
            self.vs_twitter_chart.update(charts.class_vs_twitter_chart(res.vs_twitter, self.casebook))
        else:
            self.distribution_chart.update(None)
            self.vs_twitter_chart.update(None)
        self.table.value = self._table_html(res)

    def _problems_html(self, res) -> str:
        from ..classroom import MAX_SHOWN_PROBLEMS
        p = res.problems
        names = getattr(res, "check_names", None) or []
        out = []
        if names:
            groups = "".join(f"<li>{' / '.join(esc(n) for n in g)}</li>" for g in names)
            out.append('<div class="kit-note kit-dash-names" role="status"><b>Check these '
                       "names</b>: they look alike. Are they different people? If one person "
                       f"used two spellings, keep one file.<ul>{groups}</ul></div>")
        if not len(p):
            return "".join(out)
        words = {"skipped": "skipped (not used)", "conflict": "conflict",
                 "note": "used, with a note", "ignored": "not read"}
        order = {"conflict": 0, "skipped": 1, "note": 2, "ignored": 3}
        p = p.assign(_o=p["kind"].map(order).fillna(4)).sort_values(["_o", "file"],
                                                                     kind="stable")
        shown = p.head(MAX_SHOWN_PROBLEMS)
        rows = "".join(f"<tr><td>{esc(r.file)}</td><td>{esc(words.get(r.kind, r.kind))}</td>"
                       f"<td>{esc(r.problem)}</td></tr>" for r in shown.itertuples(index=False))
        if len(p) > len(shown):
            rows += (f"<tr><td colspan='3'>… and {len(p) - len(shown):,} more "
                     "(see <code>results.problems</code>)</td></tr>")
        conflicts = int((p["kind"] == "conflict").sum())
        skipped = int((p["kind"] == "skipped").sum())
        heads = []
        if conflicts:
            heads.append(f"{plural(conflicts, 'file')} in a conflict: one learner with several "
                         "files, or a file named for another learner. Nothing was merged; "
                         "check them and keep one file per learner")
        if skipped:
            heads.append(f"{plural(skipped, 'file')} could not be used")
        head = ". ".join(heads) if heads else "Notes on the files"
        out.append(f'<div class="kit-note kit-dash-files" role="status"><b>{esc(head)}</b>'
                   '<div style="overflow-x:auto"><table class="kit-table"><tr><th>File</th>'
                   f"<th>Status</th><th>Why</th></tr>{rows}</table></div></div>")
        return "".join(out)

    def _kappa_html(self, res) -> str:
        k = res.fleiss_kappa
        if k is None or math.isnan(k):
            return (f'<div class="kit-card"><b>Agreement in the class (Fleiss\' kappa)</b>: not '
                    f"available: {esc(res.kappa_note)}.</div>")
        return (f'<div class="kit-card"><b>Agreement in the class (Fleiss\' kappa)</b>: '
                f"{k:.2f}, {esc(kappa_reading(k))}.<br><span class='kit-muted'>Based on "
                f"{esc(res.kappa_note)}. 1 means everyone chose the same action on every item, "
                "0 no more agreement than chance. Reading by Landis &amp; Koch (1977): below 0 "
                "poor, up to 0.20 slight, 0.21–0.40 fair, 0.41–0.60 moderate, 0.61–0.80 "
                "substantial, above 0.80 almost perfect. A rule of thumb, not a test.</span></div>")

    def _table_html(self, res) -> str:
        v = res.vs_twitter
        if not len(res.learners):
            return ""
        names = self.casebook.action_names
        head = ("<tr><th>Item</th><th>Leader</th><th>Title</th><th>Learners</th>"
                "<th>Most chosen</th><th>Twitter</th><th>Agree with Twitter</th>"
                "<th>Mean gap (steps)</th></tr>")
        body = []
        for r in v.itertuples(index=False):
            modal = names.get(r.modal_action, r.modal_action) if r.modal_action else ""
            if r.modal_tied:
                modal += " (tie)"
            body.append(f"<tr><td>{esc(r.item_id)}</td><td>{esc(r.leader)}</td>"
                        f"<td>{esc(r.title)}</td><td>{r.n}</td><td>{esc(modal)}</td>"
                        f"<td>{esc(names.get(r.twitter_action, r.twitter_action))}</td>"
                        f"<td>{_pct(r.share_agree_twitter)}</td>"
                        f"<td>{_num(r.mean_gap, '{:+.1f}')}</td></tr>")
        return ('<p class="kit-muted">Mean gap: the class\'s average ladder level minus '
                "Twitter's (positive: the class was stricter).</p>"
                f'<div style="overflow-x:auto"><table class="kit-table">{head}{"".join(body)}'
                "</table></div>")

    def status_line(self) -> str:
        r = self.results
        if r is None:
            return "dash: not loaded"
        skipped = int((r.problems["kind"] == "skipped").sum()) if len(r.problems) else 0
        conflicts = int((r.problems["kind"] == "conflict").sum()) if len(r.problems) else 0
        k = "n/a" if math.isnan(r.fleiss_kappa) else f"{r.fleiss_kappa:.2f}"
        extra = f", {conflicts} files in conflict" if conflicts else ""
        return f"dash: {len(r.learners)} learners, {skipped} files skipped{extra}, kappa {k}"
