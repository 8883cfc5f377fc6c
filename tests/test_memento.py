"""Properties of the memento page's editor, checked on edit sequences Hypothesis invents.

The page shows a few undo steps; these tests show that restoring a snapshot gives back the
saved state after *any* sequence of edits, and that undo and redo walk the history exactly.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.behavioral.memento import Editor, History

Edit = Callable[[Editor], None]


def insert(chars: str) -> Edit:
    return lambda editor: editor.insert(chars)


def backspace(count: int) -> Edit:
    return lambda editor: editor.backspace(count)


def move(fraction: float) -> Edit:
    """Move the cursor to a valid place, whatever the length of the text is by then."""
    return lambda editor: editor.move_to(round(fraction * len(editor.text)))


EDITS = st.one_of(
    st.text(max_size=8).map(insert),
    st.integers(min_value=0, max_value=10).map(backspace),
    st.floats(min_value=0, max_value=1).map(move),
)
# Deterministic like the rest of the suite: the same examples on every run.
FAST = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def state(editor: Editor) -> tuple[str, int]:
    return editor.text, editor.cursor


def apply(editor: Editor, edits: list[Edit]) -> None:
    for edit in edits:
        edit(editor)


@FAST
@given(
    initial=st.text(max_size=20),
    before=st.lists(EDITS, max_size=15),
    after=st.lists(EDITS, max_size=15),
)
def test_restore_after_any_edits_gives_back_the_saved_state(
    initial: str, before: list[Edit], after: list[Edit]
) -> None:
    editor = Editor(initial)
    apply(editor, before)
    saved = state(editor)
    snapshot = editor.save("checkpoint")
    apply(editor, after)
    editor.restore(snapshot)
    assert state(editor) == saved


@FAST
@given(
    initial=st.text(max_size=20),
    changes=st.lists(st.lists(EDITS, min_size=1, max_size=4), max_size=8),
)
def test_undo_walks_back_every_change_and_redo_walks_forward(
    initial: str, changes: list[list[Edit]]
) -> None:
    editor = Editor(initial)
    history = History(editor, limit=len(changes) + 1)
    states = [state(editor)]
    for number, change in enumerate(changes):
        with history.change(f"change {number}"):
            apply(editor, change)
        states.append(state(editor))
    for expected in reversed(states[:-1]):
        history.undo()
        assert state(editor) == expected
    for expected in states[1:]:
        history.redo()
        assert state(editor) == expected


@FAST
@given(
    limit=st.integers(min_value=1, max_value=5),
    changes=st.lists(st.lists(EDITS, min_size=1, max_size=3), max_size=8),
)
def test_history_keeps_at_most_limit_changes(limit: int, changes: list[list[Edit]]) -> None:
    editor = Editor()
    history = History(editor, limit=limit)
    for number, change in enumerate(changes):
        with history.change(f"change {number}"):
            apply(editor, change)
    undone = 0
    while history.undo_labels:
        history.undo()
        undone += 1
    assert undone == min(limit, len(changes))
