"""Re-encrypting stored identifiers after a key rotation, in batches (Art 15; security req. 19).

Every ciphertext names its key id, so rows sealed under a retired key stay readable; this job re-seals them
under the active key (and recomputes blind indexes after an index-key rotation) so the retired key can be
destroyed later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import audit_record
from xinyong.core.fields import BlindIndexField, SealedIdentifierField


@dataclass(frozen=True)
class SealedColumn:
    model: type
    field: SealedIdentifierField
    indexes: tuple[BlindIndexField, ...]


def sealed_columns() -> Iterator[SealedColumn]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, SealedIdentifierField):
                indexes = tuple(
                    f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField) and f.source == field.name
                )
                yield SealedColumn(model, field, indexes)


def reseal_all(*, batch_size: int = 2000, progress: Callable[[str], None] = lambda _: None) -> int:
    """Re-seal every identifier under the active key; one transaction and one audit record per batch."""
    total = 0
    for column in sealed_columns():
        model, field = column.model, column.field
        last_pk = 0
        label = model._meta.label_lower
        while True:
            with transaction.atomic():
                rows = list(model.objects.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
                if not rows:
                    break
                # The values were decrypted on load; saving them seals them again under the active key.
                for row in rows:
                    for index in column.indexes:
                        index.pre_save(row, add=False)
                model.objects.bulk_update(rows, [field.name, *(i.name for i in column.indexes)])
                audit_record(
                    AuditEventType.DATA_RESEALED, articles=["Art 15"], target_label=f"{label}.{field.name}",
                    details={"count": len(rows), "first_pk": rows[0].pk, "last_pk": rows[-1].pk},
                )
            last_pk = rows[-1].pk
            total += len(rows)
            progress(f"{label}.{field.name}: {total} re-sealed")
    return total


def record_key_rotation(purpose: str, new_key_id: str) -> None:
    """Audit a rotation when a database is configured (keys can be rotated before the first migration)."""
    if not connection.introspection.table_names():
        return
    with transaction.atomic():
        audit_record(AuditEventType.KEY_ROTATED, articles=["Art 15"], target_label=purpose,
                     details={"purpose": purpose, "new_key_id": new_key_id})
