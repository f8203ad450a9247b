"""Background processing of large submissions (django-tasks; the database backend in deployments).

The console and the API store the upload encrypted (`xinyong.ingestion.uploads`), register it with
`batch_receive(...)` and enqueue `ingest_batch_task.enqueue(batch.pk)`; a worker (`xinyong db_worker`) claims
the batch's lease and runs the pipeline while the console polls `Batch.progress_rows`. If the worker dies,
the lease expires and the batch is taken over (`xinyong.ingestion.recovery`). Without a TASKS setting
django-tasks runs tasks immediately, in the request.
"""

from __future__ import annotations

from django_tasks import task

from xinyong.ingestion.leases import process_owner
from xinyong.ingestion.recovery import batch_run


@task()
def ingest_batch_task(batch_id: int, path: str | None = None) -> dict:
    """Run the pipeline on a received batch; returns the command's JSON line. (`path`: tasks enqueued
    before uploads were stored encrypted.)"""
    return batch_run(batch_id, owner=process_owner("worker"), path=path).as_line()


def submission_enqueue(*, chunks, item_code: str, provider, actor=None, channel: str, file_name: str):
    """Store an uploaded file encrypted, register it as a batch and enqueue its processing: the console's and
    the API's background submissions. Returns the batch (the acknowledgement: its number stands)."""
    from xinyong.ingestion.pipeline import batch_receive
    from xinyong.ingestion.uploads import upload_discard, upload_store

    stored = upload_store(chunks)
    try:
        batch = batch_receive(item_code=item_code, provider=provider, actor=actor, channel=channel,
                              file_name=file_name, upload=stored)
    except BaseException:
        upload_discard(stored.name)
        raise
    ingest_batch_task.enqueue(batch.pk)
    return batch
