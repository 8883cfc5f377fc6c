"""Claims of the command page that its blocks do not print: undo loses nothing, pickling."""

from __future__ import annotations

import pickle
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from snippets.behavioral.command import (
    Document,
    History,
    HistoryError,
    InsertText,
    MacroCommand,
    SendReminder,
    UndoStack,
    insert_text,
)
from tests.pagecode import ROOT


def test_a_failed_undo_keeps_the_command_in_the_history() -> None:
    note = Document()
    history = History()
    history.run(InsertText(note, 0, "Net 30"))
    note.text = ""  # changed behind the history's back: the undo cannot work
    with pytest.raises(ValueError, match=r"cannot delete 0\.\.6"):
        history.undo()
    assert history.undo_labels == ["insert 'Net 30'"]


def test_a_failed_redo_keeps_the_command_in_the_redo_list() -> None:
    note = Document("Terms: ")
    history = History()
    history.run(InsertText(note, 7, "Net 30"))
    history.undo()
    note.text = ""  # changed behind the history's back: the redo cannot work
    with pytest.raises(ValueError, match="cannot insert at 7"):
        history.redo()
    assert (history.undo_labels, history.redo_labels) == ([], ["insert 'Net 30'"])


def test_a_macro_whose_undo_fails_halfway_leaves_the_document_as_it_was() -> None:
    note = Document("Invoice")
    history = History()
    heading = [InsertText(note, 7, "\n"), InsertText(note, 0, "# ")]
    history.run(MacroCommand("make heading", heading))
    note.text = "# Inv"  # shortened behind the history's back: only "# " can be undone
    with pytest.raises(ValueError, match=r"cannot delete 7\.\.8"):
        history.undo()
    assert note.text == "# Inv"  # the "# " that was undone is put back
    assert history.undo_labels == ["make heading"]


def test_the_undo_stack_keeps_an_action_whose_undo_failed() -> None:
    note = Document()
    stack = UndoStack()
    stack.do(partial(insert_text, note, 0, "Net 30"))
    note.text = ""  # changed behind the stack's back
    with pytest.raises(ValueError, match=r"cannot delete 0\.\.6"):
        stack.undo()
    note.text = "Net 30"
    stack.undo()  # the action is still there, and undoes once the text fits again
    assert note.text == ""


def test_the_undo_stack_keeps_an_action_whose_redo_failed() -> None:
    note = Document("Terms: ")
    stack = UndoStack()
    stack.do(partial(insert_text, note, 7, "Net 30"))
    stack.undo()
    note.text = ""  # changed behind the stack's back
    with pytest.raises(ValueError, match="cannot insert at 7"):
        stack.redo()
    note.text = "Terms: "
    stack.redo()
    assert note.text == "Terms: Net 30"


def test_a_bounded_history_lets_the_oldest_commands_fall_off() -> None:
    memo = Document()
    history = History(limit=2)
    for word in ("one ", "two ", "three "):
        history.run(InsertText(memo, len(memo.text), word))
    assert history.undo_labels == ["insert 'three '", "insert 'two '"]


def test_the_history_refuses_a_limit_below_one_and_says_when_there_is_nothing_to_undo() -> None:
    with pytest.raises(ValueError, match="the history must keep at least 1 command, got 0"):
        History(limit=0)
    with pytest.raises(HistoryError, match="nothing to undo"):
        History().undo()


WORKER = (
    "import pickle, sys\n"
    "command = pickle.loads(sys.stdin.buffer.read())\n"
    "outbox = []\n"
    "command(outbox)\n"
    "print(outbox)\n"
)


def test_a_worker_program_runs_a_command_whose_class_lives_in_a_module() -> None:
    payload = pickle.dumps(SendReminder("2024-17", "ada@nordwind.example"))
    done = subprocess.run(
        [sys.executable, "-c", WORKER], input=payload, capture_output=True, cwd=ROOT, check=True
    )
    assert done.stdout == b"['to ada@nordwind.example: invoice 2024-17 is due']\n"


def test_a_worker_program_cannot_rebuild_a_command_defined_in_a_script(tmp_path: Path) -> None:
    script = tmp_path / "send.py"
    script.write_text(
        "import pickle, sys\n"
        "from dataclasses import dataclass\n\n"
        "@dataclass(frozen=True)\n"
        "class SendReminder:\n"
        "    invoice: str\n\n"
        "    def __call__(self, outbox: list[str]) -> None:\n"
        "        outbox.append(self.invoice)\n\n"
        "sys.stdout.buffer.write(pickle.dumps(SendReminder('2024-17')))\n",
        encoding="utf-8",
    )
    payload = subprocess.run([sys.executable, str(script)], capture_output=True, check=True).stdout
    done = subprocess.run([sys.executable, "-c", WORKER], input=payload, capture_output=True)
    assert done.returncode == 1
    assert b"AttributeError: Can't get attribute 'SendReminder'" in done.stderr
