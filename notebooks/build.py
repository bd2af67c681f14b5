"""Rebuilds the executed notebooks from their jupytext sources.

    python notebooks/build.py              # every NN_*.py -> NN_*.ipynb, executed
    python notebooks/build.py 03 05        # only the notebooks whose names start so

The `NN_*.py` files ("percent" format) are the sources to edit; each `.ipynb` is
made from one with jupytext and executed once with nbclient, as Jupyter would run it
(kernel python3, working directory notebooks/, twinflow imported from this
repository), so the stored outputs and plots are what a reader sees. In Jupyter with
jupytext installed (`pip install -e '.[notebooks]'`) the pair stays in sync when either
is edited. tests/test_notebooks.py executes the stored notebooks again and checks that
their code matches the sources.

Needs jupytext, nbclient, nbformat, ipykernel and matplotlib.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def sources(prefixes=()):
    """The notebook sources: NN_name.py files beside this script."""
    found = sorted(p for p in HERE.glob("[0-9][0-9]_*.py"))
    return [p for p in found if not prefixes or p.name.startswith(tuple(prefixes))]


def kernel_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + ([env["PYTHONPATH"]]
                                                      if env.get("PYTHONPATH") else []))
    env.pop("MPLBACKEND", None)  # the inline backend: plots are stored in the notebook
    return env


def build(source: Path) -> float:
    """Converts `source` to an executed .ipynb beside it; returns the seconds it took."""
    notebook = jupytext.read(source)
    notebook.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    start = time.perf_counter()
    NotebookClient(notebook, timeout=120, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(HERE)}}).execute(env=kernel_env())
    seconds = time.perf_counter() - start
    nbformat.validate(notebook)
    nbformat.write(notebook, source.with_suffix(".ipynb"))
    return seconds


def main(argv):
    total = 0.0
    for source in sources(argv):
        seconds = build(source)
        total += seconds
        print(f"{source.with_suffix('.ipynb').name:<36} executed in {seconds:5.1f} s")
    print(f"{'total':<36} {total:5.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
