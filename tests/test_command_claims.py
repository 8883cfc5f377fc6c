"""Claims of the command page that its blocks do not print: a failed undo or redo loses nothing."""

from __future__ import annotations

from functools import partial

import pytest

from snippets.behavioral.command import Document, History, InsertText, UndoStack, insert_text


def test_a_failed_undo_keeps_the_command_in_the_history() -> None:
    note = Document()
    history = History()
    history.run(InsertText(note, 0, "Net 30"))
    note.text = ""  # changed behind the history's back: the undo cannot work
    with pytest.raises(ValueError, match=r"cannot delete 0\.\.6"):
        history.undo()
    assert history.undo_labels == ["insert 'Net 30'"]


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
