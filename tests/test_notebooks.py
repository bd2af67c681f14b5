"""The comparison notebooks (notebooks/*.ipynb) run headless without an error.

Each notebook asserts its own claims (equal losses, expected errors) in code cells, so
executing it is the test: nbclient runs it in a fresh python3 kernel, from the
repository root with the repository first on PYTHONPATH (so the kernel imports this
checkout's twinflow, installed or not), matplotlib on Agg, and fails on the first cell
that raises. The stored notebook must also be the executed form of its jupytext
source (notebooks/NN_name.py): same code cells, every one of them run.

nbclient, nbformat, ipykernel and matplotlib come with the test extra
(`pip install -e '.[test]'`); a missing one is an error, never a skip.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
except ImportError as exc:  # pragma: no cover - the test extra installs them
    raise ImportError(f"{exc.name} is missing: tests/test_notebooks.py needs the test extra "
                      "(pip install -e '.[test]')") from exc

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds; each notebook takes a few in all


def test_the_seven_notebooks_are_there():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07"]
    for path in NOTEBOOKS:
        assert path.with_suffix(".py").is_file(), f"{path.name} has no jupytext source"


def _kernel_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + ([env["PYTHONPATH"]]
                                                      if env.get("PYTHONPATH") else []))
    env["MPLBACKEND"] = "Agg"
    return env


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                            record_timing=False, resources={"metadata": {"path": str(REPO)}})
    try:
        client.execute(env=_kernel_env())
    except CellExecutionError as exc:
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # the kernel's colours
        pytest.fail(f"{path.name} failed:\n{message}", pytrace=False)


def _percent_code_cells(text):
    """The code cells of a jupytext "percent" script, as jupytext reads them."""
    cells, current, kind = [], None, None
    for line in text.splitlines():
        if line.startswith("# %%"):
            if current is not None and kind == "code":
                cells.append(current)
            current, kind = [], "markdown" if "[markdown]" in line else "code"
        elif current is not None:
            current.append(line)
    if current is not None and kind == "code":
        cells.append(current)
    return ["\n".join(cell).strip("\n") for cell in cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_its_executed_source(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [c.source.strip("\n") for c in code] == \
        _percent_code_cells(path.with_suffix(".py").read_text()), \
        f"{path.name} differs from its source: run python notebooks/build.py {path.stem[:2]}"
    assert code[0].source.startswith("import twinflow as tf\n")
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        f"{path.name} is not stored executed: run python notebooks/build.py {path.stem[:2]}"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name} was stored with an error output"
    assert not any(re.search(r"\bTraceback\b", o.get("text", ""))
                   for c in code for o in c.outputs)
