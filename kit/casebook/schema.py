"""The case file's tables: their columns, kinds, allowed values and references (SCHEMA),
the order they load in, and where the shipped case file is."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType


def _find_data_dir() -> Path:
    """The shipped case file: ``kit/data/`` in an installed kit (the build maps the
    repository's top-level ``data/`` there), else ``data/`` beside ``kit/`` in a checkout."""
    kit_dir = Path(__file__).resolve().parent.parent
    installed = kit_dir / "data"
    return installed if (installed / "items.csv").is_file() else kit_dir.parent / "data"


#: Where the shipped case file is, whatever the working directory.
DATA_DIR = _find_data_dir()

#: The kit's leader order everywhere (tables, charts, menus): Trump, then Khamenei.
LEADERS = ("trump", "khamenei")
#: How a leader id reads in learner-facing text.
LEADER_NAMES = MappingProxyType({"trump": "Trump", "khamenei": "Khamenei"})
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LIST_SEP = ";"


@dataclass(frozen=True)
class Column:
    """One column of a table.

    kind is one of: ``text``, ``id`` (the table's key or a plain identifier),
    ``date`` (YYYY-MM-DD), ``int``, ``enum`` (one of ``values``), ``ref`` (an id of
    table ``ref``), ``refs`` (several ids of ``ref`` separated by ``;``), ``url``.
    """

    name: str
    kind: str = "text"
    required: bool = False
    values: tuple = ()
    ref: str | None = None
    doc: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple
    optional: bool = False  # a missing file means an empty table

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list:
        return [c.name for c in self.columns]


def C(name, kind="text", required=False, values=(), ref=None, doc=""):
    return Column(name, kind, required, tuple(values), ref, doc)


PRECISIONS = ("day", "month", "year")
#: Groups of like items across the two leaders, for the consistency score.
COMPARE_GROUPS = ("violence", "misinformation", "hate", "account")
#: Sides in data/positions.csv ("who argued what"), the same for both leaders: the platform's
#: stated reasoning, calls for (more) action against the leader's account, arguments against
#: acting (or against what was done), and the leader's own response.
SIDES = ("platform_reasoning", "for_action", "against_action", "leader_response")

SCHEMA = MappingProxyType({t.name: t for t in [
    Table("sources", "source_id", (
        C("source_id", "id", True),
        C("title", required=True),
        C("publisher", required=True),
        C("date", "date"),
        C("date_note"),
        C("url", "url"),
        C("archive_url", "url"),
        C("kind", "enum", True, ("primary", "news", "analysis", "advocacy", "reference")),
        C("text_checked", "enum", True, ("original", "reproduction", "unverified")),
        C("note"),
    )),
    Table("actions", "action_id", (
        C("action_id", "id", True),
        C("name", required=True),
        C("level", "int", True),
        C("scope", "enum", True, ("none", "tweet", "account")),
        C("description", required=True),
        C("excerpt"),
        C("source_ids", "refs", True, ref="sources"),
        C("excerpt_checked_in", "refs", ref="sources"),
        C("excerpt_check_note"),
    )),
    Table("rules", "rule_id", (
        C("rule_id", "id", True),
        C("name", required=True),
        C("kind", "enum", True, ("conduct", "framework", "consultation")),
        C("summary", required=True),
        C("excerpt", required=True),
        C("excerpt_source_ids", "refs", True, ref="sources"),
        C("in_force_from", "date"),
        C("in_force_to", "date"),
        C("in_force_note"),
        C("public_interest_exception", "enum", True, ("eligible", "never", "not_applicable")),
        C("source_ids", "refs", True, ref="sources"),
        C("excerpt_checked_in", "refs", ref="sources"),
        C("excerpt_check_note"),
    )),
    Table("accounts", "handle", (
        C("handle", "id", True),
        C("leader", "enum", True, LEADERS),
        C("platform", "enum", True, ("twitter", "facebook", "instagram", "youtube")),
        C("display_name"),
        C("role", "enum", True, ("personal", "office", "media_relay", "language_edition")),
        C("language", required=True),
        C("attribution", "enum", True, ("official", "linked", "disputed", "unknown")),
        C("attribution_note"),
        C("verified", "enum", True, ("yes", "no", "unknown")),
        C("verified_note"),
        C("created", "date"),
        C("followers", "int"),
        C("followers_as_of", "date"),
        C("followers_source_ids", "refs", ref="sources"),
        C("status_note"),
        C("source_ids", "refs", True, ref="sources"),
    )),
    Table("items", "item_id", (
        C("item_id", "id", True),
        C("leader", "enum", True, LEADERS),
        C("handle", "ref", True, ref="accounts"),
        C("kind", "enum", True, ("post", "account")),
        C("title", required=True),
        C("date", "date", True),
        C("date_precision", "enum", True, PRECISIONS),
        C("language"),
        C("content_type", "enum", True, ("verbatim", "description")),
        C("text", required=True),
        C("context", required=True),
        C("content_note"),
        C("twitter_action", "ref", True, ref="actions"),
        C("twitter_action_date", "date"),
        C("twitter_rule_ids", "refs", ref="rules"),
        C("twitter_stated_reason"),
        C("action_note"),
        C("compare_group", "enum", values=COMPARE_GROUPS),
        C("source_ids", "refs", True, ref="sources"),
        C("text_checked_in", "refs", ref="sources"),
        C("text_check_note"),
        C("reason_checked_in", "refs", ref="sources"),
        C("reason_check_note"),
    )),
    Table("allegations", "allegation_id", (
        C("allegation_id", "id", True),
        C("item_id", "ref", True, ref="items"),
        C("rule_id", "ref", True, ref="rules"),
        C("alleged_by", required=True),
        C("alleger_kind", "enum", True,
          ("platform", "government", "advocacy", "journalist", "activist", "researcher",
           "individual", "oversight")),
        C("date", "date"),
        C("quote"),
        C("source_ids", "refs", True, ref="sources"),
        C("quote_checked_in", "refs", ref="sources"),
        C("quote_check_note"),
    )),
    Table("events", "event_id", (
        C("event_id", "id", True),
        C("date", "date", True),
        C("date_precision", "enum", True, PRECISIONS),
        C("leader", "enum", True, (*LEADERS, "both", "none")),
        C("platform", "enum", True, ("twitter", "facebook", "instagram", "youtube", "other")),
        C("handle", "ref", ref="accounts"),
        C("actor", required=True),
        C("event_type", "enum", True, (
            "post", "label", "notice", "removal", "lock", "suspension", "reinstatement",
            "restriction", "block", "deletion", "creation", "statement", "policy",
            "consultation", "decision", "other")),
        C("action_id", "ref", ref="actions"),
        C("item_id", "ref", ref="items"),
        C("description", required=True),
        C("stated_reason"),
        C("source_ids", "refs", True, ref="sources"),
        C("reason_checked_in", "refs", ref="sources"),
        C("reason_check_note"),
    )),
    Table("figures", "figure_id", (
        C("figure_id", "id", True),
        C("subject", required=True),
        C("measure", required=True),
        C("value", "int"),
        C("value_text", required=True),
        C("as_of", "date"),
        C("date_precision", "enum", values=PRECISIONS),
        C("reported_by", required=True),
        C("contested_group"),
        C("note"),
        C("source_ids", "refs", True, ref="sources"),
    )),
    Table("evidence", "evidence_id", (
        C("evidence_id", "id", True),
        C("handle", "ref", True, ref="accounts"),
        C("claim", required=True),
        C("points_to", "enum", True, ("official", "linked", "impostor", "unclear")),
        C("claimed_by", required=True),
        C("date", "date"),
        C("source_ids", "refs", True, ref="sources"),
        C("quote_checked_in", "refs", ref="sources"),
        C("quote_check_note"),
    ), optional=True),
    Table("positions", "position_id", (
        C("position_id", "id", True),
        C("leader", "enum", True, LEADERS),
        C("side", "enum", True, SIDES),
        C("who", required=True),
        C("who_kind", "enum", True,
          ("platform", "staff", "leader", "government", "advocacy", "journalist", "activist",
           "researcher", "individual", "oversight")),
        C("date", "date"),
        C("date_precision", "enum", values=PRECISIONS),
        C("summary", required=True),
        C("quote"),
        C("quote_checked_in", "refs", ref="sources"),
        C("content_note"),
        C("item_id", "ref", ref="items"),
        C("source_ids", "refs", True, ref="sources"),
    ), optional=True),
    Table("quiz", "question_id", (
        C("question_id", "id", True),
        C("topic", required=True),
        C("question", required=True),
        C("choices", required=True),
        C("answer", required=True),
        C("explanation", required=True),
        C("rule_ids", "refs", ref="rules"),
        C("source_ids", "refs", True, ref="sources"),
    ), optional=True),
]})

#: Where verbatim text lives and how its check against a stored copy is recorded:
#: table -> ((verbatim column, column naming the source(s) whose stored copy the text
#: was compared with, column with the verdict in words), ...). See data/README.md.
VERBATIM_CHECKS = MappingProxyType({
    "items": (("text", "text_checked_in", "text_check_note"),
              ("twitter_stated_reason", "reason_checked_in", "reason_check_note")),
    "allegations": (("quote", "quote_checked_in", "quote_check_note"),),
    "events": (("stated_reason", "reason_checked_in", "reason_check_note"),),
    "rules": (("excerpt", "excerpt_checked_in", "excerpt_check_note"),),
    "actions": (("excerpt", "excerpt_checked_in", "excerpt_check_note"),),
    "evidence": (("claim", "quote_checked_in", "quote_check_note"),),
})

#: Order in which tables are loaded: a table's references point only to earlier ones.
LOAD_ORDER = ("sources", "actions", "rules", "accounts", "items", "allegations", "events", "figures",
              "evidence", "positions", "quiz")

