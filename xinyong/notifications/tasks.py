"""Background delivery of a notice's email and text messages after its transaction commits (django-tasks).

`notice_send` and `notices_send_bulk` enqueue `outbox_deliver_task` with the ids of the messages they queued;
with the database backend a worker (`xinyong db_worker`) runs it, with the immediate backend (development,
tests) it runs at once after the commit. A failure here loses nothing: the messages stay pending in the outbox
and `xinyong notifications deliver` retries them on its schedule.
"""

from __future__ import annotations

from django_tasks import task

from xinyong.notifications.services import outbox_deliver


@task()
def outbox_deliver_task(message_ids: list[int]) -> dict:
    """Send the given outbox messages that are due; returns the counts."""
    result = outbox_deliver(message_ids=message_ids)
    return {"sent": result.sent, "retried": result.retried, "gave_up": result.gave_up}
