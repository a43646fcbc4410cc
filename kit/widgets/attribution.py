"""AttributionBoard: whose account was @khamenei_site? Weigh the evidence, then judge.

Twitter suspended @khamenei_site in January 2021 as a *fake* account; researchers
and journalists pointed to ties with Khamenei's office. The board lays out what
the case file holds about the account (``evidence.csv``, ``figures.csv``,
``accounts.csv``, ``events.csv``), one card per piece of evidence with who
claims it and its sources. The learner weighs each piece (which way does it
point?) and records a judgement (official / linked / impostor) with reasons.
Only then does the board show which way each source reads its evidence, what
Twitter concluded and what the Alliance for Securing Democracy's Hamilton 2.0
analysis suggests.

Saved answers (``log.record_answer``), section ``"attribution"``:
question ``<handle>`` holds the judgement (reasons in its rationale), question
``<handle>.<evidence_id>`` the learner's weighing of one piece.
"""
from __future__ import annotations

import ipywidgets as W

from ..attribution import verdict, weighed_alike
from ..casebook import default_casebook
from ..errors import KitDataError
from ..words import blank, day
from ._common import ChartSlot, KitApp, esc, labelled, saved_answers, source_links
from .handin import SyncLine

SECTION = "attribution"

#: The judgements a learner can record, with the words shown.
JUDGEMENTS = (
    ("Official: run by the leader or his office, openly", "official"),
    ("Linked: tied to the leader or his office, but not acknowledged", "linked"),
    ("Impostor: a fake account, not connected to him", "impostor"),
)
#: How a learner can weigh one piece of evidence ("unsure" matches the data's "unclear").
WEIGHTS = (
    ("— not weighed yet —", ""),
    ("points to official", "official"),
    ("points to linked", "linked"),
    ("points to impostor", "impostor"),
    ("unsure / points nowhere", "unsure"),
)
_VERDICT_WORDS = {"official": "official: run by the leader or his office",
                  "linked": "linked to the leader or his office, but not acknowledged",
                  "impostor": "an impostor: a fake account"}
_POINTS_WORDS = {"official": "official", "linked": "linked", "impostor": "impostor",
                 "unclear": "unclear", "unsure": "unsure", "": "not weighed"}
#: Whose conclusions the board reveals after the learner records: (claimant prefix, heading).
VERDICTS = (
    ("Twitter", "What Twitter concluded"),
    ("Alliance for Securing Democracy", "What ASD's Hamilton 2.0 analysis suggests"),
)


class AttributionBoard(KitApp):
    """Weigh the evidence about a disputed account and record who you think ran it.

    ``AttributionBoard(log, casebook=None, handle="khamenei_site")``. The learner
    sets each card's weighing (``weights[evidence_id].value``), chooses a judgement
    (``judgement.value``: official, linked or impostor), writes reasons
    (``reasons.value``) and clicks ``record`` (CSS class ``kit-attr-record``). The
    answers go to ``log.record_answer("attribution", ...)``; the reveal
    (``reveal.value``, CSS class ``kit-attr-reveal``) is filled only after that, and
    straight away when the log already holds a judgement for the account.

    >>> import kit, tempfile
    >>> from pathlib import Path
    >>> log = kit.DecisionLog(Path(tempfile.mkdtemp()) / "x.decisions.jsonl")
    >>> board = AttributionBoard(log, kit.load_casebook())
    >>> board.reveal.value
    ''
    >>> board.judgement.value, board.reasons.value = "linked", "retweeted by his account"
    >>> board.record.click()
    >>> "What Twitter concluded" in board.reveal.value
    True
    >>> log.answers().query("question_id == 'khamenei_site'").answer.tolist()
    ['linked']
    """

    def __init__(self, log, casebook=None, handle: str = "khamenei_site"):
        super().__init__("attr", title=f"Whose account was @{handle}? Weigh the evidence")
        if casebook is None:
            casebook = default_casebook()
        self.casebook = casebook
        self.decision_log = log
        self.handle = handle
        ev = casebook.evidence
        self.evidence = ev[ev["handle"] == handle].reset_index(drop=True)
        accounts = casebook.accounts.set_index("handle")
        self.account = accounts.loc[handle] if handle in accounts.index else None
        self.recorded = None
        self.weights = {}

        context = W.HTML(self._context_html(), layout=W.Layout(width="100%"))
        context.add_class("kit-attr-context")
        cards = [self._card(row) for _, row in self.evidence.iterrows()]
        if not cards:
            cards = [W.HTML(f'<p class="kit-note">The case file holds no evidence rows about '
                            f"@{esc(handle)} (data/evidence.csv).</p>")]
        cards_box = W.VBox(cards, layout=W.Layout(width="100%"))
        cards_box.add_class("kit-attr-cards")

        self.judgement = W.RadioButtons(options=list(JUDGEMENTS), value=None,
                                        layout=W.Layout(width="auto", max_width="100%"))
        labelled(self.judgement, "", f"Your judgement: who ran @{handle}?")
        self.judgement.add_class("kit-attr-judgement")
        self.reasons = W.Textarea(placeholder="Your reasons: which evidence weighed most, and why?",
                                  layout=W.Layout(width="100%", height="5em"))
        labelled(self.reasons, "Your reasons", "Explain your judgement in a few sentences "
                 "(required)")   # a visible label: a title alone names no text box
        self.reasons.add_class("kit-attr-reasons")
        self.record = labelled(W.Button(button_style="primary", icon="check"),
                               "Record my judgement",
                               "Save your judgement, reasons and weighings; then see what Twitter "
                               "and the researchers concluded")
        self.record.add_class("kit-attr-record")
        self.record.on_click(self.safely(self._on_record))
        judge_box = W.VBox([W.HTML(f"<h4>Your judgement: who ran @{esc(handle)}?</h4>"),
                            self.judgement, self.reasons, self.record],
                           layout=W.Layout(width="100%"))
        judge_box.add_class("kit-card")

        self.reveal = W.HTML("", layout=W.Layout(width="100%"))
        self.reveal.add_class("kit-attr-reveal")
        self.chart_slot = ChartSlot("kit-attr-chart")
        self.sync_line = SyncLine(lambda: self.decision_log)   # hand-in: the class service
        self.set_body(context, W.HTML("<h4>The evidence</h4><p class='kit-muted'>For each piece, "
                                      "decide which way it points. Who makes a claim matters: "
                                      "a platform, a news agency, a research group and an "
                                      "advocacy group have different vantage points.</p>"),
                      cards_box, judge_box, self.reveal, self.chart_slot, self.sync_line)
        if not self.ask_name_if_needed(self.safely(self._load), what="the board"):
            self.safely(self._load)()

    # -- building -------------------------------------------------------------------------
    def _context_html(self) -> str:
        cb, handle = self.casebook, self.handle
        parts = [f'<div class="kit-card"><p><b>@{esc(handle)}</b></p>']
        a = self.account
        if a is not None:
            facts = []
            if a.get("language"):
                facts.append(f"language: {esc(a['language'])}")
            if day(a.get("created")):
                facts.append(f"created: {esc(day(a['created']))}")
            if not blank(a.get("followers")):
                src = source_links(cb, a["followers_source_ids"]) if a["followers_source_ids"] else ""
                facts.append(f"followers: {int(a['followers']):,} as of "
                             f"{esc(day(a['followers_as_of']))} {src}")
            if facts:
                parts.append("<p>" + " · ".join(facts) + "</p>")
        figs = cb.figures
        figs = figs[figs["subject"] == handle]
        if len(figs):
            parts.append("<p><b>Figures</b></p><ul>")
            for _, f in figs.iterrows():
                note = f" <span class='kit-muted'>({esc(f['note'])})</span>" if f["note"] else ""
                parts.append(f"<li>{esc(f['measure'])}: {esc(f['value_text'])} "
                             f"(reported by {esc(f['reported_by'])}){note} "
                             f"{source_links(cb, f['source_ids'])}</li>")
            parts.append("</ul>")
        events = cb.events
        events = events[events["handle"] == handle].sort_values("date", kind="stable")
        if len(events):
            parts.append("<p><b>Timeline</b></p><ul>")
            for _, e in events.iterrows():
                parts.append(f"<li>{esc(day(e['date']))}: {esc(e['description'])} "
                             f"{source_links(cb, e['source_ids'])}</li>")
            parts.append("</ul>")
        parts.append("</div>")
        return "".join(parts)

    def _card(self, row):
        cb = self.casebook
        date = f" · {esc(day(row['date']))}" if day(row["date"]) else ""
        body = W.HTML(
            f"<p>{esc(row['claim'])}</p>"
            f"<p class='kit-muted'>Claimed by: {esc(row['claimed_by'])}{date} · "
            f"sources: {source_links(cb, row['source_ids'])}</p>",
            layout=W.Layout(width="100%"))
        weigh = W.Dropdown(options=list(WEIGHTS), value="",
                           layout=W.Layout(width="auto", max_width="100%"))
        labelled(weigh, "This points to:",
                 "Which way does this piece of evidence point? Official account, an account "
                 "linked to the leader but not acknowledged, an impostor, or nowhere clear")
        weigh.add_class("kit-attr-weigh")
        self.weights[row["evidence_id"]] = weigh
        box = W.VBox([body, weigh], layout=W.Layout(width="100%"))
        box.add_class("kit-card")
        box.add_class("kit-attr-card")
        return box

    # -- state ----------------------------------------------------------------------------
    def _load(self):
        saved = saved_answers(self.decision_log, SECTION)
        prefix = f"{self.handle}."
        for qid, (answer, _) in saved.items():
            if qid.startswith(prefix) and qid[len(prefix):] in self.weights:
                if answer in [v for _, v in WEIGHTS]:
                    self.weights[qid[len(prefix):]].value = answer
        if self.handle in saved:
            answer, rationale = saved[self.handle]
            if answer in [v for _, v in JUDGEMENTS]:
                self.judgement.value = answer
                self.reasons.value = rationale
                self.recorded = answer
                self._show_reveal()

    def _on_record(self, _=None):
        if self.judgement.value is None:
            self.show_info("Choose a judgement first: official, linked or impostor.")
            return
        if not self.reasons.value.strip():
            self.show_info("Write a sentence or two on why before recording.")
            return
        if self.decision_log is None:
            raise KitDataError("this board has no decision log to save to; create it with "
                               "AttributionBoard(log)")
        saved = saved_answers(self.decision_log, SECTION)
        for eid, weigh in self.weights.items():
            qid = f"{self.handle}.{eid}"
            if weigh.value and saved.get(qid, ("", ""))[0] != weigh.value:
                self.decision_log.record_answer(SECTION, qid, weigh.value)
        self.decision_log.record_answer(SECTION, self.handle, self.judgement.value,
                                        rationale=self.reasons.value.strip())
        self.recorded = self.judgement.value
        self._show_reveal()
        self.show_info("Your judgement is saved. Compare it with the conclusions below.")
        self.sync_line.refresh()

    def _show_reveal(self):
        cb, ev = self.casebook, self.evidence
        words = dict((v, k) for k, v in JUDGEMENTS).get(self.recorded, self.recorded)
        parts = ['<div class="kit-card">', f"<h4>You judged: {esc(words)}</h4>"]
        if self.reasons.value.strip():
            parts.append(f"<blockquote>{esc(self.reasons.value.strip())}</blockquote>")
        for claimant, heading in VERDICTS:
            direction, rows = verdict(ev, claimant)
            parts.append(f"<p><b>{esc(heading)}</b>: "
                         + (f"the account was <b>{esc(_VERDICT_WORDS[direction])}</b>" if direction else
                            "no conclusion in the case file") + ".</p>")
            if claimant == "Twitter":
                parts.append(self._twitter_actions())
            if len(rows):
                parts.append("<ul>" + "".join(
                    f"<li>{esc(r['claim'])} {source_links(cb, r['source_ids'])}</li>"
                    for _, r in rows.iterrows()) + "</ul>")
        a = self.account
        if a is not None:
            note = f": {esc(a['attribution_note'])}" if a["attribution_note"] else ""
            parts.append(f"<p><b>The case file classes the account as</b> "
                         f"<b>{esc(a['attribution'])}</b>{note}</p>")
        if len(ev):
            head = "<tr><th>Evidence</th><th>Claimed by</th><th>You weighed</th>" \
                   "<th>Its source reads it as</th></tr>"
            body = []
            for _, r in ev.iterrows():
                mine = self.weights[r["evidence_id"]].value
                mark = " ✓" if weighed_alike(mine, r["points_to"]) else ""
                body.append(f"<tr><td>{esc(r['evidence_id'])}</td><td>{esc(r['claimed_by'])}</td>"
                            f"<td>{esc(_POINTS_WORDS.get(mine, mine))}{mark}</td>"
                            f"<td>{esc(r['points_to'])}</td></tr>")
            parts.append('<p><b>Piece by piece</b></p><div style="overflow-x:auto">'
                         f'<table class="kit-table kit-attr-compare">{head}{"".join(body)}'
                         "</table></div>")
        parts.append("<p class='kit-muted'>Attribution is rarely certain: Twitter did not say how "
                     "it decided, and the research rests partly on a single source. Sources "
                     "disagreeing is part of the case.</p></div>")
        self.reveal.value = "".join(parts)
        if self.account is not None:
            from .. import charts
            self.chart_slot.update(charts.attribution_chart(cb, self.handle))

    def _twitter_actions(self) -> str:
        cb = self.casebook
        items = cb.items
        items = items[(items["handle"] == self.handle) & (items["twitter_action"] != "none")]
        if not len(items):
            return ""
        names = cb.action_names
        out = ["<ul>"]
        for _, it in items.iterrows():
            when = f" on {esc(day(it['twitter_action_date']))}" if day(
                it["twitter_action_date"]) else ""
            reason = (f": <q>{esc(it['twitter_stated_reason'])}</q>"
                      if it["twitter_stated_reason"] else "")
            out.append(f"<li>{esc(it['title'])}: {esc(names.get(it['twitter_action'], it['twitter_action']))}"
                       f"{when}{reason} {source_links(cb, it['source_ids'])}</li>")
        out.append("</ul>")
        return "".join(out)

    def status_line(self) -> str:
        weighed = sum(1 for w in self.weights.values() if w.value)
        return (f"attribution: @{self.handle}, {len(self.weights)} pieces of evidence, "
                f"{weighed} weighed, judgement {self.recorded or 'not recorded'}")
