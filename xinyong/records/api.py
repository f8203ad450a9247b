"""API: corrections and withdrawals of a provider's own records (Art 30; security req. 7, 9).

Only the provider that filed a record may correct or withdraw it; anyone else's record answers like a missing
one. Bodies are closed: unknown and server-owned keys are refused.
"""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema
from pydantic import ConfigDict

from xinyong.accounts.api_permissions import caller, require
from xinyong.accounts.permissions import Permission
from xinyong.core.errors import NotFoundOrForbidden
from xinyong.core.text import MultilineText
from xinyong.records.models import CreditRecord
from xinyong.records.services import record_correct, record_withdraw

router = Router(tags=["records"])


class CorrectionIn(Schema):
    """The changed fields (field code → value) and why (Art 30)."""

    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any]
    reason: MultilineText


class WithdrawalIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: MultilineText


class RevisionOut(Schema):
    id: int
    revision: int
    status: str
    name_mismatch: bool


def _own_record(request, record_id: int) -> CreditRecord:
    require(request, Permission.CORRECT_RECORDS)
    organization = getattr(caller(request), "organization", None)
    record = CreditRecord.objects.filter(pk=record_id, provider=organization).first() if organization else None
    if record is None:
        raise NotFoundOrForbidden()
    return record


@router.post("/{record_id}/corrections", response=RevisionOut, summary="Correct a record (a new revision)")
def correct(request, record_id: int, payload: CorrectionIn):
    record = _own_record(request, record_id)
    revision = record_correct(record=record, data=payload.data, reason=payload.reason, actor=caller(request))
    record.refresh_from_db()
    return {"id": record.pk, "revision": revision.number, "status": record.status,
            "name_mismatch": record.name_mismatch}


@router.post("/{record_id}/withdrawal", response=RevisionOut, summary="Withdraw a record (basis revoked)")
def withdraw(request, record_id: int, payload: WithdrawalIn):
    record = _own_record(request, record_id)
    revision = record_withdraw(record=record, reason=payload.reason, actor=caller(request))
    record.refresh_from_db()
    return {"id": record.pk, "revision": revision.number, "status": record.status,
            "name_mismatch": record.name_mismatch}
