"""Real-browser tests (a package, so the harness imports as ``browser.harness`` and this folder's conftest never shadows tests/conftest.py)."""
