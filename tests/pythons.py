"""The other Pythons the site supports (3.11 to 3.13), for claims that differ between versions.

They are looked for under pyenv, then as `python3.X` on the PATH. A claims test that needs a
version it cannot find skips with the reason, so the report shows what went unchecked.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
from pathlib import Path

import pytest

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
