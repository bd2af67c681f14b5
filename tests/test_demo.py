"""The main job (`python -m twinflow`) runs and finds both modes bit-identical."""

import subprocess
import sys
from pathlib import Path

from twinflow.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


def test_demo_trains_both_ways_bit_identically(capsys):
    assert main(["--epochs", "2", "--hidden", "8", "--keras-epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "all 20 step losses identical: True; final weights identical: True" in out
    assert "run_eagerly   tf.function   TF1 Session  identical" in out
    assert out.count(" yes") == 2 + 2  # two epochs of each table


def test_python_dash_m_twinflow_exits_zero():
    done = subprocess.run([sys.executable, "-m", "twinflow", "--epochs", "1",
                           "--keras-epochs", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "bit-identical" in done.stdout
