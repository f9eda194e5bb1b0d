"""The project installed as production installs it, for benchmarks that measure memory.

`pip install .` into a virtualenv of its own, without the test extra: a worker's
memory depends on what is importable (Litestar loads its pydantic and attrs plugins
whenever those packages are installed, and the test tools install both), so measuring
from the development venv would count libraries no server has. The venv lives in
`var/bench/production-venv` and is reused; the project itself is reinstalled on each
run so the figures are of the checked-out code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "var" / "bench" / "production-venv"


def production_python() -> str:
    python = VENV / "bin" / "python"
    quiet = ["--quiet", "--disable-pip-version-check"]
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", *quiet, str(ROOT)], check=True)
    else:
        # Dependencies as declared now (new ones install), then this checkout's code.
        subprocess.run([str(python), "-m", "pip", "install", *quiet, str(ROOT)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", *quiet, "--no-deps", "--force-reinstall", str(ROOT)], check=True
        )
    # The bytecode serving processes read (python -OO), as `lebrq serve` writes it.
    subprocess.run(
        [str(python), "-c", "from lebrq.server.optimized_bytecode import ensure_optimized_bytecode as e; e()"],
        check=True,
    )
    return str(python)
