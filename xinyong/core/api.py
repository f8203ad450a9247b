"""API: identifier validation (GB 32100, GB 11643 and ID documents)."""

from __future__ import annotations

from ninja import Router, Schema
from pydantic import ConfigDict, Field

from xinyong.accounts.api_permissions import require
from xinyong.accounts.permissions import Permission
from xinyong.core.errors import bilingual
from xinyong.core.identifiers import IdentifierType, validate
from xinyong.core.masking import mask_identifier

router = Router(tags=["identifiers"])


class ValidateIn(Schema):
    model_config = ConfigDict(extra="forbid")
    type: IdentifierType
    values: list[str] = Field(min_length=1, max_length=1000)


class ValidationOut(Schema):
    value: str
    ok: bool
    legacy: bool
    code: str | None
    message: str | None


class ValidateOut(Schema):
    results: list[ValidationOut]


@router.post("/validate", response=ValidateOut, summary="Validate identifiers of an explicit type")
def validate_identifiers(request, payload: ValidateIn):
    require(request, Permission.VALIDATE_IDENTIFIERS)
    results = []
    for raw in payload.values:
        result = validate(payload.type, raw)
        results.append(
            {
                # Echo the value masked: the caller has it already and responses must not carry ID numbers.
                "value": mask_identifier(payload.type.value, result.value),
                "ok": result.ok,
                "legacy": result.legacy,
                "code": result.error.code if result.error else None,
                "message": bilingual(result.error.message_zh, result.error.message_en)
                if result.error
                else None,
            }
        )
    return {"results": results}
