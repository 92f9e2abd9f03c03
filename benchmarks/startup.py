"""Start-up time of the fast commands (cold processes), and proof that they skip WeasyPrint.

Run: python benchmarks/startup.py   (uses the `rehabplan` next to this Python)
"""

from __future__ import annotations

import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = [["--help"], ["exercises", "list"], ["validate"], ["protocols", "list"]]


def main(runs: int = 7) -> None:
    exe = Path(sys.executable).with_name("rehabplan")
    cmd = [str(exe)] if exe.exists() else [shutil.which("rehabplan") or "rehabplan"]
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, median of {runs} cold runs"
    )
    for args in COMMANDS:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(cmd + args, capture_output=True, check=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
            times.append(time.perf_counter() - start)
        probe = (
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"import sys; from rehabplan.cli.commands import app\ntry: app({args!r})\nexcept SystemExit: pass\nprint('weasyprint' in sys.modules)",
                ],
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        print(f"rehabplan {' '.join(args):16s} {statistics.median(times) * 1000:6.0f} ms   imports weasyprint: {probe}")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import weasyprint"], check=True)
    print(f"(for scale: python -c 'import weasyprint' takes {(time.perf_counter() - start) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
