"""Claims of the memento page that its blocks do not print: rollback and immutable drafts."""

from __future__ import annotations

import dataclasses

import pytest

from snippets.behavioral.memento import Draft, Editor, History


def test_change_rolls_back_on_any_exception_even_keyboard_interrupt() -> None:
    editor = Editor("Dear Ana,")
    history = History(editor)
    with pytest.raises(KeyboardInterrupt), history.change("signature"):
        editor.insert(" Best, Ben")
        raise KeyboardInterrupt
    assert (editor.text, editor.cursor, history.undo_labels) == ("Dear Ana,", 9, [])


def test_a_snapshot_refuses_assignments_and_new_attributes() -> None:
    snapshot = Editor("Dear Ana,").save("greeting")
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.label = "edited"  # type: ignore[misc]
    # CPython 3.11-3.13 refuse a new attribute with a confusing TypeError from the
    # frozen `__setattr__` that dataclasses writes for slotted classes; refused all the same.
    with pytest.raises((AttributeError, TypeError)):
        snapshot.preview = "Dear"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):  # slotted: no `__dict__`, even behind frozen's back
        object.__setattr__(snapshot, "preview", "Dear")
    assert not hasattr(snapshot, "preview")


def test_history_never_keeps_more_snapshots_than_its_limit_undo_and_redo_together() -> None:
    editor = Editor()
    history = History(editor, limit=2)
    for word in ["Dear", " Ana,", " thanks", " again"]:
        with history.change(word):
            editor.insert(word)
    history.undo()
    history.undo()
    assert history.kept_characters == len("Dear Ana, thanks") + len("Dear Ana, thanks again")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Draft("Hi", 5), "the cursor goes from 0 to 2, not to 5"),
        (lambda: Draft("Hi", 2).backspace(-1), "cannot delete a negative number"),
    ],
)
def test_drafts_refuse_bad_input_like_the_editor(make: object, message: str) -> None:
    assert callable(make)
    with pytest.raises(ValueError, match=message):
        make()


def test_a_history_that_could_keep_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="a history keeps at least one snapshot, got limit=0"):
        History(Editor(), limit=0)
