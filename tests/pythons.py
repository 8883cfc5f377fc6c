"""The other Pythons the site supports (3.11 to 3.13), for claims that differ between versions.

They are looked for under pyenv, then as `python3.X` on the PATH. A claims test that needs a
version it cannot find skips with the reason, so the report shows what went unchecked.
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pagecode import ROOT

SUPPORTED_MINORS = (11, 12, 13)


def find_python(minor: int) -> str | None:
    """Python 3.<minor>: this one, or the newest under pyenv, or python3.<minor> on the PATH."""
    if sys.version_info[:2] == (3, minor):
        return sys.executable
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(glob.glob(str(pyenv / f"3.{minor}.*" / "bin" / f"python3.{minor}")))
    return candidates[-1] if candidates else shutil.which(f"python3.{minor}")


def python_or_skip(minor: int) -> str:
    """`find_python`, or skip the calling test: a missing version is not a pass."""
    found = find_python(minor)
    if found is None:
        pytest.skip(f"Python 3.{minor} not found under pyenv or on the PATH: unchecked")
    return found


def printed_on_every_python(*programs: Path) -> dict[int, str | None]:
    """What the programs, run one after the other as `__main__` in one interpreter, print on
    each supported Python; None where that version is not found.

    This interpreter runs them in-process while the other versions run them at the same time
    in subprocesses, which are killed if anything fails, so no child outlives the call."""
    script = "".join(
        f"exec(open({str(path)!r}, encoding='utf-8').read(), {{'__name__': '__main__'}})\n"
        for path in programs
    )
    current = sys.version_info.minor
    printed: dict[int, str | None] = dict.fromkeys(SUPPORTED_MINORS)
    with contextlib.ExitStack() as cleanup:
        running: dict[int, subprocess.Popen[str]] = {}
        for minor in SUPPORTED_MINORS:
            python = find_python(minor)
            if minor == current or python is None:
                continue
            process = cleanup.enter_context(
                subprocess.Popen(
                    [python, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
                )
            )
            cleanup.callback(process.kill)  # runs before Popen.__exit__ waits for it
            running[minor] = process
        here = io.StringIO()
        with contextlib.redirect_stdout(here):
            for path in programs:
                code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
                exec(code, {"__name__": "__main__"})
        printed[current] = here.getvalue()
        for minor, process in running.items():
            output, _ = process.communicate(timeout=60)
            assert process.returncode == 0, f"Python 3.{minor} exited with {process.returncode}"
            printed[minor] = output
    return printed
