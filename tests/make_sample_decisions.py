"""Write the clearly labelled SAMPLE decision files shipped in data/sample_decisions/.

    python tests/make_sample_decisions.py

They are not facts and not real learners: they let every notebook work before a
learner has decided anything, and give the teacher's notebook a demonstration class.
The sample learner follows a simple, stated heuristic; the sample students vary it
at random (seeded, so the files are the same on every run of this script).
"""
from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import kit
from kit.decisions import SAMPLE_DIR, DecisionLog

LADDER = ["none", "label", "notice", "remove", "lock", "suspend"]
RULE_ACTION = {  # the sample learner's heuristic: the harshest of these for the alleged rules
    "civic_integrity": "label", "covid_misinformation": "label", "glorification_of_violence": "notice",
    "hateful_conduct": "remove", "holocaust_denial": "remove", "abusive_behavior": "remove",
    "violent_organizations": "remove", "platform_manipulation": "suspend", "ban_evasion": "suspend",
}


def heuristic(cb):
    alleged = cb.allegations.groupby("item_id").rule_id.agg(lambda s: sorted(set(s)))
    for _, item in cb.items.iterrows():
        rules = alleged.get(item.item_id, [])
        action = max((RULE_ACTION[r] for r in rules), key=LADDER.index, default="none")
        yield item.item_id, rules, action


def main():
    cb = kit.load_casebook()
    if SAMPLE_DIR.exists():
        shutil.rmtree(SAMPLE_DIR)
    (SAMPLE_DIR / "class").mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        log = DecisionLog.for_learner("Sample learner", folder=tmp, casebook=cb)
        for item_id, rules, action in heuristic(cb):
            log.record(item_id, rules, action,
                       "Sample rationale (not a real learner): the harshest step for the rules "
                       "others alleged.")
        log.record_answer("survey", "same_rules", "Yes, with a public-interest notice")
        log.export(SAMPLE_DIR / "sample-learner.json")
        rng = random.Random(2021)
        for n in range(1, 13):
            student = DecisionLog.for_learner(f"Sample student {n:02d}", folder=tmp, casebook=cb)
            for item_id, rules, action in heuristic(cb):
                step = rng.choice([-2, -1, 0, 0, 0, 1, 1, 2])
                level = min(max(LADDER.index(action) + step, 0), len(LADDER) - 1)
                student.record(item_id, rules if level else [], LADDER[level], "Sample rationale.")
            student.export(SAMPLE_DIR / "class" / f"sample-student-{n:02d}.json")
    print(f"wrote {SAMPLE_DIR}")


if __name__ == "__main__":
    main()
