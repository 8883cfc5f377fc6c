"""The outbox relay: publishes the events that the orders service stored with orders.

It runs beside the service, as a background task or a process of its own; the request
path only writes each event into the `outbox` table, in the transaction of its order.
"""

# --8<-- [start:imports]
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

# --8<-- [end:imports]


# --8<-- [start:relay]
def relay(database: str | Path, publish: Callable[[str], None]) -> int:
    """Publish the unsent events of the outbox in order; return how many were sent.

    Each is marked sent once `publish` returns; a crash in between publishes it
    again on the next run, so consumers drop repeats by order id.
    """
    with closing(sqlite3.connect(database)) as db:
        unsent = db.execute(
            "SELECT id, event FROM outbox WHERE sent = 0 ORDER BY id"
        ).fetchall()
        for event_id, event in unsent:
            publish(event)
            with db:
                db.execute("UPDATE outbox SET sent = 1 WHERE id = ?", (event_id,))
    return len(unsent)


# --8<-- [end:relay]
