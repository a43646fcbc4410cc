"""Re-execute the guided notebooks in place, as committed baselines for nbval.

    python tests/execute_notebooks.py            # all notebooks
    python tests/execute_notebooks.py 03 05      # those whose name starts with 03 or 05

Each notebook runs top to bottom in a fresh kernel with its folder as working
directory, widget state NOT stored (keeps files small), decisions written to a
temporary folder (KIT_DECISIONS_DIR) so no learner file is touched, and fails
loudly on the first error.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nb.metadata.pop("widgets", None)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    print(f"executed {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KiB)")


def main(prefixes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KIT_DECISIONS_DIR"] = tmp
        for path in sorted(NOTEBOOKS.glob("*.ipynb")):
            if not prefixes or path.name.startswith(tuple(prefixes)):
                execute(path)


if __name__ == "__main__":
    main(sys.argv[1:])
