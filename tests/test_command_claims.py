"""Claims of the command page that its blocks do not print: a failed undo or redo loses nothing."""

from __future__ import annotations

from functools import partial

import pytest

from snippets.behavioral.command import (
    Document,
    History,
    InsertText,
    MacroCommand,
    UndoStack,
    insert_text,
)


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
