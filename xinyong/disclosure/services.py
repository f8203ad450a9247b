"""Services for written authorizations (Art 21) and the query log's retention (Art 21, 29).

Each write runs in one transaction with its audit record (events 7001–7020). The authorizations a subject
grants are reached through `access_authorization_by_id`, which answers "not found" alike for an id that
does not exist and one of another subject.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.choices import AccountKind
from xinyong.accounts.models import Organization
from xinyong.audit.choices import AuditEventType
from xinyong.audit.services import Change, audit_record
from xinyong.catalog.choices import InformationKind
from xinyong.core.crypto import get_provider
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.core.identifiers import IdentifierType, validate
from xinyong.disclosure.access import normalize_purpose
from xinyong.disclosure.choices import AuthorizationStatus
from xinyong.disclosure.models import Authorization, QueryLogEntry, RateLimitCounter
from xinyong.records.publication import add_months
from xinyong.regulation.parameters import decision_basis, parameter
from xinyong.subjects.models import Subject, SubjectAccount

IMPLEMENTS = ("Art 21",)

MAX_VALIDITY = "disclosure.authorization_max_validity"
QUERY_LOG_RETENTION = "retention.query_log"
ARTICLES = ["Art 21"]


def account_subject(account) -> Subject | None:
    """The subject a portal account acts for, or None (staff, API clients, unlinked accounts)."""
    if account is None or not getattr(account, "is_authenticated", False) or account.kind != AccountKind.SUBJECT:
        return None
    link = SubjectAccount.objects.select_related("subject", "subject__division").filter(user=account).first()
    return link.subject if link else None


def access_authorization_by_id(account, authorization_id) -> Authorization:
    """An authorization the account's subject granted; the same NotFoundOrForbidden for another subject's
    and for one that does not exist (security req. 7)."""
    subject = account_subject(account)
    try:
        pk = int(authorization_id)
    except (TypeError, ValueError):
        raise NotFoundOrForbidden() from None
    found = (
        Authorization.objects.select_related("grantee", "subject").filter(pk=pk, subject=subject).first()
        if subject is not None
        else None
    )
    if found is None:
        raise NotFoundOrForbidden()
    return found


def _snapshot(authorization: Authorization) -> dict:
    return {
        "subject": authorization.subject_id, "grantee": authorization.grantee.uscc,
        "categories": list(authorization.categories), "purpose": authorization.purpose,
        "valid_until": authorization.valid_until.isoformat(), "status": authorization.status,
        "document_digest": authorization.document_digest,
    }


def authorization_document(
    *, subject: Subject, grantee: Organization, categories: list[str], purpose: str, valid_until: dt.date
) -> str:
    """The text of the written authorization (授权书) the subject confirms; its SM3 digest is the proof the
    query log keeps. Always in Chinese: it is the legal document."""
    with translation.override("zh-hans"):
        kinds = "、".join(str(InformationKind(c).label) for c in categories)
    who = "本人" if subject.is_person else "本单位"
    return (
        "信用信息查询授权书\n"
        f"授权人：{subject.name}（{subject.identifier_masked}）\n"
        f"被授权机构：{grantee.name}（统一社会信用代码 {grantee.uscc}）\n"
        f"授权查询的信息类别：{kinds}\n"
        f"查询用途：{purpose}\n"
        f"有效期至：{valid_until.isoformat()}（含当日）\n"
        f"{who}授权上述机构在有效期内、仅为上述用途，通过承德市公共信用信息平台查询{who}上述类别的信用信息，"
        f"包括非公开信息。{who}可随时撤销本授权，撤销后的查询不再允许。"
        "依据《承德市社会信用促进条例》第二十一条。"
    )


def authorization_draft(
    *, account, grantee_uscc: str, categories: list[str], purpose: str, valid_until: dt.date
) -> Authorization:
    """Draft a written authorization of the account's subject for an organization (Art 21). It is pending:
    nothing may be queried under it until the subject confirms it (`authorization_confirm`)."""
    subject = account_subject(account)
    if subject is None:
        raise NotFoundOrForbidden()
    checked = validate(IdentifierType.USCC, grantee_uscc or "")
    grantee = (
        Organization.objects.filter(uscc=checked.value, is_active=True).first() if checked.ok else None
    )
    if grantee is None:
        raise ServiceError(
            "unknown_organization",
            _("No organization with this unified social credit code uses the platform."),
            field="grantee_uscc",
        )
    kinds = sorted({str(c) for c in categories or []})
    if not kinds or not set(kinds) <= set(InformationKind.values):
        raise ServiceError("categories_required", _("Choose at least one information category."), field="categories")
    purpose = normalize_purpose(purpose)
    if not purpose:
        raise ServiceError("purpose_required", _("State the purpose of the query."), field="purpose")
    today = timezone.localdate()
    longest = add_months(today, int(parameter(MAX_VALIDITY, today).value))
    if valid_until is None or valid_until < today or valid_until > longest:
        raise ServiceError(
            "invalid_validity",
            _("The authorization must end between today and %(date)s.") % {"date": longest.isoformat()},
            field="valid_until",
        )
    document = authorization_document(
        subject=subject, grantee=grantee, categories=kinds, purpose=purpose, valid_until=valid_until
    )
    with transaction.atomic():
        authorization = Authorization.objects.create(
            subject=subject, grantee=grantee, categories=kinds, purpose=purpose, valid_until=valid_until,
            status=AuthorizationStatus.PENDING, document=document,
            document_digest=get_provider().sm3(document.encode("utf-8")).hex(),
            created_at=timezone.now(), created_by=account,
        )
        audit_record(
            AuditEventType.AUTHORIZATION_DRAFTED, actor=account, organization=grantee, target=authorization,
            target_label=grantee.name, articles=ARTICLES,
            details={"subject": subject.pk, **decision_basis(MAX_VALIDITY, on=today)},
            changes=[Change("disclosure.authorization", str(authorization.pk), "create", None,
                            _snapshot(authorization))],
        )
    return authorization


def authorization_confirm(*, account, authorization_id) -> Authorization:
    """The subject confirms a pending authorization in its account: from now on the grantee may query
    under it (Art 21)."""
    with transaction.atomic():
        authorization = access_authorization_by_id(account, authorization_id)
        authorization = Authorization.objects.select_for_update().select_related("grantee").get(pk=authorization.pk)
        if authorization.status != AuthorizationStatus.PENDING:
            raise ServiceError("not_pending", _("Only an authorization awaiting confirmation can be confirmed."),
                               field="status")
        if authorization.valid_until < timezone.localdate():
            raise ServiceError("expired", _("This authorization has expired; draft a new one."), field="valid_until")
        before = _snapshot(authorization)
        authorization.status = AuthorizationStatus.CONFIRMED
        authorization.confirmed_at = timezone.now()
        authorization.save(update_fields=["status", "confirmed_at"])
        audit_record(
            AuditEventType.AUTHORIZATION_GRANTED, actor=account, organization=authorization.grantee,
            target=authorization, target_label=authorization.grantee.name, articles=ARTICLES,
            details={"subject": authorization.subject_id, "document_digest": authorization.document_digest},
            changes=[Change("disclosure.authorization", str(authorization.pk), "update", before,
                            _snapshot(authorization))],
        )
    return authorization


def authorization_revoke(*, account, authorization_id) -> Authorization:
    """Revoke an authorization, pending or in force, at any time: the grantee's next query is refused."""
    with transaction.atomic():
        authorization = access_authorization_by_id(account, authorization_id)
        authorization = Authorization.objects.select_for_update().select_related("grantee").get(pk=authorization.pk)
        if authorization.status == AuthorizationStatus.REVOKED:
            raise ServiceError("already_revoked", _("This authorization has already been revoked."), field="status")
        before = _snapshot(authorization)
        authorization.status = AuthorizationStatus.REVOKED
        authorization.revoked_at = timezone.now()
        authorization.revoked_by = account
        authorization.save(update_fields=["status", "revoked_at", "revoked_by"])
        audit_record(
            AuditEventType.AUTHORIZATION_REVOKED, actor=account, organization=authorization.grantee,
            target=authorization, target_label=authorization.grantee.name, articles=ARTICLES,
            details={"subject": authorization.subject_id},
            changes=[Change("disclosure.authorization", str(authorization.pk), "update", before,
                            _snapshot(authorization))],
        )
    return authorization


# --- retention ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    cutoff: dt.datetime
    archived: int
    archive_path: Path | None
    archive_digest: str
    counters_deleted: int


def _entry_json(entry: QueryLogEntry) -> dict:
    return {
        "id": entry.pk, "occurred_at": entry.occurred_at.isoformat(), "requester": entry.requester_id,
        "requester_label": entry.requester_label, "organization": entry.organization_id,
        "subject": entry.subject_id, "subject_label": entry.subject_label, "mode": entry.mode,
        "categories": entry.categories, "purpose": entry.purpose, "authorization": entry.authorization_id,
        "authorization_digest": entry.authorization_digest, "result": entry.result, "reason": entry.reason,
        "record_count": entry.record_count, "channel": entry.channel,
    }


def query_log_purge(*, archive_dir: Path | None = None, now: dt.datetime | None = None, actor=None) -> PurgeResult:
    """Archive the query-log entries older than `retention.query_log` to a JSON Lines file, then delete them
    (Art 21, 29; domain facts §6). The only deleter of the query log: the database refuses to delete entries
    younger than five years whatever calls it (migration 0002). Also drops expired rate-limit counters."""
    now = now or timezone.now()
    years = int(parameter(QUERY_LOG_RETENTION, timezone.localdate(now)).value)
    local = timezone.localtime(now)
    cutoff = local.replace(year=local.year - years, day=28 if (local.month, local.day) == (2, 29) else local.day)
    archive_dir = Path(archive_dir or Path(settings.VAR_DIR) / "archive" / "query-log")
    stale = QueryLogEntry.objects.filter(occurred_at__lt=cutoff).order_by("pk")
    archived, path, digest = 0, None, ""
    if stale.exists():
        archive_dir.mkdir(parents=True, exist_ok=True)
        path = archive_dir / f"query-log-before-{cutoff:%Y%m%d}-{now:%Y%m%dT%H%M%S}.jsonl"
        with transaction.atomic():
            ids = []
            with path.open("w", encoding="utf-8") as out:
                for entry in stale.iterator(chunk_size=2000):
                    out.write(json.dumps(_entry_json(entry), ensure_ascii=False) + "\n")
                    ids.append(entry.pk)
            digest = get_provider().sm3(path.read_bytes()).hex()
            for start in range(0, len(ids), 900):
                QueryLogEntry.objects.filter(pk__in=ids[start : start + 900]).delete()
            archived = len(ids)
            audit_record(
                AuditEventType.QUERY_LOG_PURGED, actor=actor, target_label="disclosure.querylogentry",
                articles=["Art 21", "Art 29"],
                details={"cutoff": cutoff.isoformat(), "archived": archived, "archive": path.name,
                         "archive_sm3": digest, **decision_basis(QUERY_LOG_RETENTION, on=timezone.localdate(now))},
            )
    from xinyong.disclosure.ratelimit import stale_windows_before

    counters, _ = RateLimitCounter.objects.filter(window_number__lt=stale_windows_before(now)).delete()
    return PurgeResult(cutoff, archived, path, digest, counters)
