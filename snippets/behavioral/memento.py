"""Memento: undo and redo for a text editor, with snapshots that keep its state private.

Run it with `python -m snippets.behavioral.memento`.
"""

# --8<-- [start:imports]
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Self

# --8<-- [end:imports]


# --8<-- [start:memento]
@dataclass(frozen=True, slots=True)
class _EditorState:
    """What an editor needs to come back to a moment: private to this module."""

    text: str
    cursor: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The memento: a label and a size for the caretaker, the state for the editor.

    The caretaker may keep, list and hand back snapshots; only the editor that
    took one reads the state inside it.
    """

    label: str
    size: int  # characters kept, so a caretaker can budget its memory
    _state: _EditorState = field(repr=False)
    _owner: object = field(repr=False)


# --8<-- [end:memento]


# --8<-- [start:editor]
class Editor:
    """The originator: a text buffer with a cursor, edited through a few commands."""

    def __init__(self, text: str = "") -> None:
        self._text = text
        self._cursor = len(text)
        self._identity = object()  # tells this editor's snapshots from others'

    @property
    def text(self) -> str:
        return self._text

    @property
    def cursor(self) -> int:
        return self._cursor

    def insert(self, chars: str) -> None:
        """Type `chars` at the cursor and move the cursor after them."""
        before, after = self._text[: self._cursor], self._text[self._cursor :]
        self._text = before + chars + after
        self._cursor += len(chars)

    def backspace(self, count: int = 1) -> None:
        """Delete up to `count` characters before the cursor."""
        if count < 0:
            raise ValueError(f"cannot delete a negative number of characters: {count}")
        start = max(0, self._cursor - count)
        self._text = self._text[:start] + self._text[self._cursor :]
        self._cursor = start

    def move_to(self, position: int) -> None:
        if not 0 <= position <= len(self._text):
            raise ValueError(
                f"the cursor goes from 0 to {len(self._text)}, not to {position}"
            )
        self._cursor = position

    def save(self, label: str) -> Snapshot:
        """Take a snapshot; strings are immutable, so nothing needs copying."""
        state = _EditorState(self._text, self._cursor)
        return Snapshot(label, len(self._text), state, self._identity)

    def restore(self, snapshot: Snapshot) -> None:
        """Come back to the moment `snapshot` was taken."""
        if snapshot._owner is not self._identity:
            raise ValueError(
                f"snapshot {snapshot.label!r} was taken from another editor"
            )
        self._text, self._cursor = snapshot._state.text, snapshot._state.cursor

    def __str__(self) -> str:
        return self._text[: self._cursor] + "|" + self._text[self._cursor :]


# --8<-- [end:editor]


# --8<-- [start:history]
class History:
    """The caretaker: keeps snapshots for undo and redo, and never looks inside them."""

    def __init__(self, editor: Editor, limit: int = 100) -> None:
        if limit < 1:
            raise ValueError(
                f"a history keeps at least one snapshot, got limit={limit}"
            )
        self._editor = editor
        self._undo: deque[Snapshot] = deque(maxlen=limit)  # drops the oldest
        self._redo: list[Snapshot] = []

    @contextmanager
    def change(self, label: str) -> Iterator[Editor]:
        """Record the state before an edit; roll the edit back if it fails."""
        before = self._editor.save(label)
        try:
            yield self._editor
        except BaseException:  # any failure, even Ctrl+C, leaves no half edit
            self._editor.restore(before)
            raise
        self._undo.append(before)
        self._redo.clear()  # a new edit makes the undone future unreachable

    def undo(self) -> str:
        """Go back one change and return its label."""
        if not self._undo:
            raise LookupError("nothing to undo")
        snapshot = self._undo.pop()
        self._redo.append(self._editor.save(snapshot.label))
        self._editor.restore(snapshot)
        return snapshot.label

    def redo(self) -> str:
        """Repeat the change undone last and return its label."""
        if not self._redo:
            raise LookupError("nothing to redo")
        snapshot = self._redo.pop()
        self._undo.append(self._editor.save(snapshot.label))
        self._editor.restore(snapshot)
        return snapshot.label

    @property
    def undo_labels(self) -> list[str]:
        return [snapshot.label for snapshot in self._undo]

    @property
    def kept_characters(self) -> int:
        return sum(snapshot.size for snapshot in [*self._undo, *self._redo])


# --8<-- [end:history]


# --8<-- [start:pythonic]
@dataclass(frozen=True)
class Draft:
    """An immutable editor state: every edit returns a new draft."""

    text: str = ""
    cursor: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.cursor <= len(self.text):
            raise ValueError(
                f"the cursor goes from 0 to {len(self.text)}, not to {self.cursor}"
            )

    def insert(self, chars: str) -> Self:
        text = self.text[: self.cursor] + chars + self.text[self.cursor :]
        return replace(self, text=text, cursor=self.cursor + len(chars))

    def backspace(self, count: int = 1) -> Self:
        if count < 0:
            raise ValueError(f"cannot delete a negative number of characters: {count}")
        start = max(0, self.cursor - count)
        return replace(
            self, text=self.text[:start] + self.text[self.cursor :], cursor=start
        )


# --8<-- [end:pythonic]


if __name__ == "__main__":
    # fmt: off
    # --8<-- [start:demo]
    editor = Editor()
    history = History(editor, limit=3)
    with history.change("greeting"):
        editor.insert("Dear Ana,")
    with history.change("body"):
        editor.insert(" your invoice is attached.")
    with history.change("fix the name"):
        editor.move_to(7)
        editor.insert("n")
    print(editor)
    #> Dear Ann|a, your invoice is attached.
    print(history.undo(), "->", editor)
    #> fix the name -> Dear Ana, your invoice is attached.|
    print(history.undo(), "->", editor)
    #> body -> Dear Ana,|
    print(history.redo(), "->", editor)
    #> body -> Dear Ana, your invoice is attached.|
    print(editor.save("draft"))
    #> Snapshot(label='draft', size=35)
    # --8<-- [end:demo]

    # --8<-- [start:demo-limit]
    for word in [" Kind", " regards,", " Ben"]:
        with history.change(f"type{word}"):
            editor.insert(word)
    print(history.undo_labels)
    #> ['type Kind', 'type regards,', 'type Ben']
    for _ in range(3):
        history.undo()
    print(editor)
    #> Dear Ana, your invoice is attached.|
    try:
        history.undo()
    except LookupError as exc:
        print(exc)
        #> nothing to undo
    # --8<-- [end:demo-limit]

    # --8<-- [start:demo-errors]
    try:
        with history.change("signature"):
            editor.insert(" Ben")
            editor.move_to(99)
    except ValueError as exc:
        print(exc)
        #> the cursor goes from 0 to 39, not to 99
    print(editor)
    #> Dear Ana, your invoice is attached.|
    try:
        Editor().restore(editor.save("draft"))
    except ValueError as exc:
        print(exc)
        #> snapshot 'draft' was taken from another editor
    # --8<-- [end:demo-errors]

    # --8<-- [start:demo-pythonic]
    versions = deque([Draft()], maxlen=50)
    versions.append(versions[-1].insert("Dear Ana,"))
    versions.append(versions[-1].insert(" Thanks!"))
    versions.append(versions[-1].backspace(8))
    print(versions[-1].text, "|", versions[-2].text)
    #> Dear Ana, | Dear Ana, Thanks!
    versions.pop()  # undo
    print(versions[-1].text)
    #> Dear Ana, Thanks!
    # --8<-- [end:demo-pythonic]
    # fmt: on
