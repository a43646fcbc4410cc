"""The order the browser test files run in (pages opened by one file are reused by the next)."""
from __future__ import annotations

from pathlib import Path

#: Order of the browser test files in a run: every notebook first (each page opened
#: once, the next one loading meanwhile), then the flows and security checks that
#: reuse those pages, then Voila.
#: Notebook 7 last: it shares the JupyterLab server (see Lab.notebook7_own_errors).
FILE_ORDER = ("test_notebooks.py", "test_flows.py", "test_security.py", "test_voila.py",
              "test_accessibility.py", "test_notebook7.py")


def in_file_order(items: list, folder: Path) -> None:
    """Put the tests of ``folder`` in FILE_ORDER, after every other test of the run (in place).

    Last, because Playwright's synchronous API keeps an event loop running in the main thread
    while its browser is open (a session fixture): a later test that starts an event loop of
    its own (``asyncio.run``) would be refused."""
    here = Path(folder).resolve()
    slots = [i for i, item in enumerate(items) if Path(item.path).resolve().parent == here]

    def rank(i):
        name = Path(items[i].path).name
        return (FILE_ORDER.index(name) if name in FILE_ORDER else len(FILE_ORDER), i)

    ordered = [items[i] for i in sorted(slots, key=rank)]
    taken = set(slots)
    items[:] = [item for i, item in enumerate(items) if i not in taken] + ordered
