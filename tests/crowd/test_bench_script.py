import re
import subprocess
import sys

import pytest

from .conftest import REPO


@pytest.mark.slow
def test_benchmark_script_runs_small():
    script = REPO / "scripts" / "bench" / "crowd.py"
    done = subprocess.run([sys.executable, str(script), "--rows", "3000", "--volunteers", "200"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = re.search(r"RESULT rows=(\d+) read_s=([\d.]+) aggregate_s=([\d.]+) command_s=([\d.]+)", done.stdout)
    assert result and int(result.group(1)) == 3000
    assert float(result.group(4)) < 60
