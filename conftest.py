"""Test-session settings that must hold for every test, the notebooks' kernels included.

Learners' decisions (and the remembered learner name) go to fresh temporary places, so a test run never reads or
writes the real my-decisions/ folder and notebook outputs do not depend on what a
learner saved on this machine.
"""
import os
import tempfile

_decisions = tempfile.mkdtemp(prefix="kit-test-decisions-")
os.environ["KIT_DECISIONS_DIR"] = _decisions
# ... and the remembered learner name goes to a temporary file, never the person's own config.
os.environ["KIT_LEARNER_CONFIG"] = os.path.join(tempfile.mkdtemp(prefix="kit-test-me-"),
                                                "learner.json")
