"""Command: editing actions as objects, so a text editor can undo and redo them.

Run it with `python -m snippets.behavioral.command`.
"""

# --8<-- [start:imports]
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

# --8<-- [end:imports]


# --8<-- [start:receiver]
class Document:
    """The receiver: a text buffer that knows how to edit, and nothing about undo."""

    def __init__(self, text: str = "") -> None:
        self.text = text

    def insert(self, position: int, text: str) -> None:
        if not 0 <= position <= len(self.text):
            raise ValueError(
                f"cannot insert at {position}: "
                f"the document has {len(self.text)} characters"
            )
        self.text = self.text[:position] + text + self.text[position:]

    def delete(self, start: int, end: int) -> str:
        """Remove the characters from `start` to `end` and return them."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(
                f"cannot delete {start}..{end}: "
                f"the document has {len(self.text)} characters"
            )
        removed = self.text[start:end]
        self.text = self.text[:start] + self.text[end:]
        return removed


# --8<-- [end:receiver]


# --8<-- [start:pythonic]
Undo = Callable[[], object]
Action = Callable[[], Undo]  # doing an action returns the function that undoes it


class HistoryError(LookupError):
    """Undo or redo was asked for, but there is nothing to undo or redo."""


def insert_text(document: Document, position: int, text: str) -> Undo:
    """Insert `text` now, and return the call that removes it again."""
    document.insert(position, text)
    return partial(document.delete, position, position + len(text))


def delete_text(document: Document, start: int, end: int) -> Undo:
    """Delete a range now, and return the call that puts it back."""
    removed = document.delete(start, end)
    return partial(document.insert, start, removed)


class UndoStack:
    """Undo and redo for plain functions, without a class per command."""

    def __init__(self) -> None:
        self._done: list[tuple[Action, Undo]] = []
        self._undone: list[Action] = []

    def do(self, action: Action) -> None:
        self._done.append((action, action()))  # if action() raises, nothing changes
        self._undone.clear()

    def undo(self) -> None:
        if not self._done:
            raise HistoryError("nothing to undo")
        action, undo = self._done[-1]
        undo()  # pop only once it worked: a failed undo loses nothing
        self._done.pop()
        self._undone.append(action)

    def redo(self) -> None:
        if not self._undone:
            raise HistoryError("nothing to redo")
        action = self._undone[-1]
        undo = action()
        self._undone.pop()
        self._done.append((action, undo))


# --8<-- [end:pythonic]


# --8<-- [start:command]
class Command(ABC):
    """An editing action that can be executed, and undone afterwards."""

    label: str

    @abstractmethod
    def execute(self) -> None: ...

    @abstractmethod
    def undo(self) -> None: ...


class InsertText(Command):
    """Insert text at a position; undo deletes it again."""

    def __init__(self, document: Document, position: int, text: str) -> None:
        self.document = document
        self.position = position
        self.text = text
        self.label = f"insert {text!r}"

    def execute(self) -> None:
        self.document.insert(self.position, self.text)

    def undo(self) -> None:
        self.document.delete(self.position, self.position + len(self.text))


class DeleteText(Command):
    """Delete a range of text; undo puts the removed text back."""

    def __init__(self, document: Document, start: int, end: int) -> None:
        self.document = document
        self.start = start
        self.end = end
        self.removed: str | None = None  # known only once the command has run
        self.label = f"delete {start}..{end}"

    def execute(self) -> None:
        self.removed = self.document.delete(self.start, self.end)

    def undo(self) -> None:
        if self.removed is None:
            raise RuntimeError(f"cannot undo {self.label!r}: it never ran")
        self.document.insert(self.start, self.removed)


# --8<-- [end:command]


# --8<-- [start:macro]
class MacroCommand(Command):
    """Several commands that run, and are undone, as one step."""

    def __init__(self, label: str, commands: Sequence[Command]) -> None:
        if not commands:
            raise ValueError(f"the macro {label!r} has no commands")
        self.label = label
        self.commands = list(commands)

    def execute(self) -> None:
        done: list[Command] = []
        try:
            for command in self.commands:
                command.execute()
                done.append(command)
        except Exception:
            for command in reversed(done):  # all or nothing: roll back what ran
                command.undo()
            raise

    def undo(self) -> None:
        undone: list[Command] = []
        try:
            for command in reversed(self.commands):
                command.undo()
                undone.append(command)
        except Exception:
            for command in reversed(undone):  # all or nothing here too: redo them
                command.execute()
            raise


# --8<-- [end:macro]


# --8<-- [start:invoker]
class History:
    """The invoker: runs commands and keeps them for undo and redo."""

    def __init__(self, limit: int = 100) -> None:
        if limit < 1:
            raise ValueError(f"the history must keep at least 1 command, got {limit}")
        self._done: deque[Command] = deque(maxlen=limit)  # oldest fall off
        self._undone: list[Command] = []

    def run(self, command: Command) -> None:
        """Execute `command` and record it; a new edit empties the redo list."""
        command.execute()  # if this raises, the history is unchanged
        self._done.append(command)
        self._undone.clear()  # a new edit makes the redo list meaningless

    def undo(self) -> Command:
        """Undo the most recent command and return it; raise `HistoryError` if none."""
        if not self._done:
            raise HistoryError("nothing to undo")
        command = self._done[-1]
        command.undo()
        self._undone.append(self._done.pop())
        return command

    def redo(self) -> Command:
        """Execute the most recently undone command again and return it."""
        if not self._undone:
            raise HistoryError("nothing to redo")
        command = self._undone[-1]
        command.execute()
        self._done.append(self._undone.pop())
        return command

    @property
    def undo_labels(self) -> list[str]:
        """What `undo` would undo, the most recent first, as an Edit menu shows it."""
        return [command.label for command in reversed(self._done)]

    @property
    def redo_labels(self) -> list[str]:
        return [command.label for command in reversed(self._undone)]


# --8<-- [end:invoker]


# --8<-- [start:queued]
@dataclass(frozen=True)
class SendReminder:
    """A command as data: its fields say what to do, and `__call__` does it."""

    invoice: str
    email: str

    def __call__(self, outbox: list[str]) -> None:
        outbox.append(f"to {self.email}: invoice {self.invoice} is due")


# --8<-- [end:queued]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo-pythonic]
    letter = Document()
    stack = UndoStack()
    stack.do(partial(insert_text, letter, 0, "Dear customer,"))
    stack.do(partial(insert_text, letter, 5, "valued "))
    stack.do(partial(delete_text, letter, 0, 5))
    print(repr(letter.text))
    #> 'valued customer,'
    stack.undo()
    stack.undo()
    print(repr(letter.text))
    #> 'Dear customer,'
    stack.redo()
    print(repr(letter.text))
    #> 'Dear valued customer,'
    # --8<-- [end:demo-pythonic]

    # --8<-- [start:demo]
    doc = Document()
    history = History()
    history.run(InsertText(doc, 0, "Invoice 2024-17"))
    history.run(InsertText(doc, len(doc.text), ": paid"))
    history.run(DeleteText(doc, 0, 8))
    print(repr(doc.text))
    #> '2024-17: paid'
    print(history.undo_labels)
    #> ['delete 0..8', "insert ': paid'", "insert 'Invoice 2024-17'"]
    # --8<-- [end:demo]

    # --8<-- [start:demo-undo]
    history.undo()
    print(repr(doc.text))
    #> 'Invoice 2024-17: paid'
    history.undo()
    print(repr(doc.text))
    #> 'Invoice 2024-17'
    history.redo()
    print(repr(doc.text))
    #> 'Invoice 2024-17: paid'
    print(history.undo_labels, history.redo_labels)
    #> ["insert ': paid'", "insert 'Invoice 2024-17'"] ['delete 0..8']
    history.run(InsertText(doc, len(doc.text), " (EUR 420.00)"))
    print(repr(doc.text))
    #> 'Invoice 2024-17: paid (EUR 420.00)'
    print(history.redo_labels)
    #> []
    # --8<-- [end:demo-undo]

    # --8<-- [start:demo-macro]
    make_heading = MacroCommand("make heading", [
        InsertText(doc, len(doc.text), "\n"),  # the end first: positions stay valid
        InsertText(doc, 0, "# "),
    ])
    history.run(make_heading)
    print(repr(doc.text))
    #> '# Invoice 2024-17: paid (EUR 420.00)\n'
    history.undo()  # one step undoes the whole macro
    print(repr(doc.text))
    #> 'Invoice 2024-17: paid (EUR 420.00)'
    broken = MacroCommand("stamp", [
        InsertText(doc, 0, "PAID "),
        InsertText(doc, 500, " [stamped]"),
    ])
    try:
        history.run(broken)
    except ValueError as exc:
        print(exc)
        #> cannot insert at 500: the document has 39 characters
    print(repr(doc.text))  # the first insertion was rolled back
    #> 'Invoice 2024-17: paid (EUR 420.00)'
    # --8<-- [end:demo-macro]
    # fmt: on
