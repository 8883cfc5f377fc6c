"""Run the examples of the site locally.

python -m snippets                      # list every example, its family and its page
python -m snippets run factory-method   # run one example
python -m snippets show factory-method  # print the path of its source
"""

import argparse
import difflib
import runpy
import sys
from dataclasses import dataclass
from pathlib import Path

from snippets import FAMILIES

PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Example:
    """One page's runnable example: a module, or a package with a `__main__.py`."""

    family: str
    source: Path

    @property
    def module(self) -> str:
        return f"snippets.{self.family}.{self.source.stem}"

    @property
    def name(self) -> str:
        """The name used on the command line and in the page's address."""
        return self.source.stem.replace("_", "-")

    @property
    def title(self) -> str:
        """The pattern's name: the module docstring's first line, up to its colon."""
        docstring_file = (
            self.source if self.source.suffix else self.source / "__init__.py"
        )
        first = docstring_file.read_text(encoding="utf-8").split('"""', 2)[1].strip()
        return first.split(":", 1)[0].splitlines()[0]

    @property
    def page(self) -> str:
        return f"{self.family}/{self.name}/"


def examples() -> list[Example]:
    found = []
    for family in FAMILIES:
        folder = PACKAGE / family
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            module = path.suffix == ".py" and path.name != "__init__.py"
            package = path.is_dir() and (path / "__main__.py").exists()
            if module or package:
                found.append(Example(family, path))
    return found


def find(name: str) -> Example:
    """The example called `name` (`factory-method` or `factory_method`), or an error."""
    by_name = {example.name: example for example in examples()}
    wanted = name.strip().lower().replace("_", "-")
    if wanted in by_name:
        return by_name[wanted]
    close = difflib.get_close_matches(wanted, list(by_name), n=3)
    hint = (
        f"; did you mean {' or '.join(close)}?"
        if close
        else "; `python -m snippets` lists them"
    )
    raise SystemExit(f"no example called {name!r}{hint}")


def listing() -> str:
    rows = [(e.family, e.name, e.title, e.page) for e in examples()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{len(rows)} examples. Run one with: python -m snippets run NAME", ""]
    for family, name, title, page in rows:
        lines.append(
            f"{family:<{widths[0]}}  {name:<{widths[1]}}  {title:<{widths[2]}}  {page}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m snippets", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("list", help="list every example (the default)")
    run = commands.add_parser("run", help="run one example")
    run.add_argument("name")
    show = commands.add_parser("show", help="print the path of an example's source")
    show.add_argument("name")
    arguments = parser.parse_args(argv)
    if arguments.command == "run":
        example = find(arguments.name)
        sys.argv = [example.module]
        runpy.run_module(example.module, run_name="__main__", alter_sys=True)
    elif arguments.command == "show":
        print(find(arguments.name).source)
    else:
        print(listing())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
