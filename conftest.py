"""Test-session settings that must hold for every test, the notebooks' kernels included.

Learners' decisions go to a fresh temporary folder, so a test run never reads or
writes the real my-decisions/ folder and notebook outputs do not depend on what a
learner saved on this machine.
"""
import os
import tempfile

_decisions = tempfile.mkdtemp(prefix="kit-test-decisions-")
os.environ["KIT_DECISIONS_DIR"] = _decisions
