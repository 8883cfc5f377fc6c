"""requirements.lock installs exactly the versions pyproject.toml pins."""

from __future__ import annotations

import re
import tomllib

from tests.pagecode import ROOT


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line.strip())
        if match:
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def test_every_direct_dependency_is_pinned_and_locked_at_the_same_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    direct = project["dependencies"]
    assert all("==" in requirement for requirement in direct), "pin every dependency with =="
    locked = pins((ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines())
    for name, version in pins(direct).items():
        assert locked.get(name) == version, f"{name}=={version} is locked as {locked.get(name)}"
    assert locked["mkdocs"].startswith("1."), "MkDocs 2 drops plugins: stay below 2"
