"""Issuing, verifying and revoking credit reports (Art 21, 29; security req. 8, 10, 11, 12).

`report_issue` reads the subject's information through the one access function
(`xinyong.disclosure.access.access_subject_information`, which checks the mode's rule and writes the query
log), builds the canonical content, signs it, renders the PDF and then stores the report and its one audit
record (event 8001) in one transaction. The read and the rendering happen before that transaction: a
refused read keeps its own log entry and audit record (the access function commits them), and the audit
chain's lock is not held while a PDF renders.

Which mode a report is read in:

| variant | requester | mode |
|---|---|---|
| full, no_violation | the subject's own portal account | self (Art 29) |
| full, no_violation | the credit authority's window, for a subject present in person (`xinyong report`) | self, channel "window" |
| full, no_violation | an organization's account with the subject's written authorization | authorized (Art 21) |
| public | anyone logged in | public (organizations only, Art 19) |

`report_verify_number` and `report_verify_pdf` say whether a report is authentic (its signatures verify over
the stored content and file), unaltered (a PDF's bytes are exactly those issued) and in force (not revoked,
within its validity), naming the first check that failed. Each verification is audited (event 8002).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyong.accounts.models import Organization
from xinyong.audit.choices import AuditEventType, AuditOutcome
from xinyong.audit.services import audit_record
from xinyong.catalog.choices import InformationKind
from xinyong.catalog.models import CatalogItem, Category
from xinyong.core.errors import ServiceError
from xinyong.core.masking import mask_name
from xinyong.disclosure.access import WINDOW_CHANNEL, access_subject_information
from xinyong.disclosure.choices import QueryMode
from xinyong.notifications.hooks import report_issued_notify
from xinyong.records.publication import add_months
from xinyong.regulation.parameters import decision_basis, parameter
from xinyong.reports import signing
from xinyong.reports.choices import ReportKind, ReportVariant, VerificationStatus
from xinyong.reports.content import Domain, Issue, canonical_bytes, report_content
from xinyong.reports.models import Report
from xinyong.reports.pdf import read_embedded, render_pdf

IMPLEMENTS = ("Art 21", "Art 29: report_issue")

VALIDITY = "reports.validity"
DEFAULT_PERIOD = "reports.no_violation_period"
PUBLIC_URL_ENV = "XINYONG_PUBLIC_URL"
NUMBER_PREFIX = "XY"
# 32 symbols without 0/O and 1/I, so a number read aloud or typed from paper cannot be mistaken.
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
NUMBER_GROUPS, NUMBER_GROUP_SIZE = 4, 4  # 16 random symbols: 80 bits
_NUMBER_RE = re.compile(rf"^{NUMBER_PREFIX}(\d{{8}})([{NUMBER_ALPHABET}]{{{NUMBER_GROUPS * NUMBER_GROUP_SIZE}}})$")
MAX_DOMAINS = 20
MAX_PDF_BYTES = 20 * 1024 * 1024
# The categories a no-violation report must read: where adverse information is filed (penalties and the
# abnormal list are administrative, the dishonesty lists serious, court enforcement and arrears other).
NO_VIOLATION_KINDS = (InformationKind.ADMINISTRATIVE, InformationKind.SERIOUS, InformationKind.OTHER)
WINDOW_PURPOSE = "窗口服务：向到场的信用主体出具本人信用报告"
ARTICLES = ["Art 21", "Art 29"]


# --- numbers and URLs ---------------------------------------------------------------------------------------


def report_number_new(day: dt.date) -> str:
    """`XY` + the issue date + four groups of four random symbols (secrets): readable, never guessable."""
    symbols = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_GROUPS * NUMBER_GROUP_SIZE))
    groups = [symbols[i : i + NUMBER_GROUP_SIZE] for i in range(0, len(symbols), NUMBER_GROUP_SIZE)]
    return f"{NUMBER_PREFIX}{day:%Y%m%d}-" + "-".join(groups)


def report_number_normalize(value: str) -> str | None:
    """A report number as typed (any case, spaces or hyphens anywhere) in its stored form, or None."""
    text = re.sub(r"[\s\-－—_]", "", str(value or "")).upper()
    match = _NUMBER_RE.match(text)
    if match is None:
        return None
    symbols = match.group(2)
    groups = [symbols[i : i + NUMBER_GROUP_SIZE] for i in range(0, len(symbols), NUMBER_GROUP_SIZE)]
    return f"{NUMBER_PREFIX}{match.group(1)}-" + "-".join(groups)


def public_base_url() -> str:
    """Where the public portal is reached (for the QR code): setting or env `XINYONG_PUBLIC_URL`.

    Development falls back to http://localhost:8000; production refuses to issue without it, since a
    printed report cannot be corrected afterwards."""
    url = getattr(settings, "XINYONG_PUBLIC_URL", "") or os.environ.get(PUBLIC_URL_ENV, "")
    if not url:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured(f"set {PUBLIC_URL_ENV} to the portal's public address to issue reports")
        url = "http://localhost:8000"
    return url.rstrip("/")


def verification_url(number: str) -> str:
    return f"{public_base_url()}{reverse('reports:verify')}?number={number}"


# --- domains and periods (the no-violation report) ----------------------------------------------------------


def _unknown_domain(token: str) -> ServiceError:
    return ServiceError(
        "unknown_domain", _("Unknown domain: %(domain)s. Name a provider department, a catalog category or an item.")
        % {"domain": token[:60]}, field="domains",
    )


def _provider(key: str) -> Domain | None:
    found = Organization.objects.filter(uscc=key.upper()).first() or Organization.objects.filter(name=key).first()
    return Domain("provider", found.uscc, found.name) if found else None


def _category(key: str) -> Domain | None:
    found = Category.objects.filter(code=key).first() or Category.objects.filter(name=key).first()
    return Domain("category", found.code, found.name) if found else None


def _item(key: str) -> Domain | None:
    items = CatalogItem.objects.order_by("-version__number")
    found = items.filter(code=key).first() or items.filter(name=key).first()
    return Domain("item", found.code, found.name) if found else None


def domains_resolve(tokens: Sequence[str]) -> list[Domain]:
    """Domains from `provider:USCC-or-name`, `category:code-or-name`, `item:code-or-name`, or a bare token
    tried as each of these in turn (category, item, provider)."""
    resolvers = {"provider": _provider, "category": _category, "item": _item}
    domains: list[Domain] = []
    for raw in tokens:
        token = " ".join(str(raw).split())
        if not token:
            continue
        prefix, _sep, key = token.partition(":")
        if prefix in resolvers and key:
            found = resolvers[prefix](key.strip())
        else:
            found = _category(token) or _item(token) or _provider(token)
        if found is None:
            raise _unknown_domain(token)
        if found not in domains:
            domains.append(found)
    if not domains:
        raise ServiceError("domains_required", _("Choose at least one domain."), field="domains")
    if len(domains) > MAX_DOMAINS:
        raise ServiceError("too_many_domains", _("Choose at most %(n)d domains.") % {"n": MAX_DOMAINS},
                           field="domains")
    return domains


def period_resolve(period: tuple[dt.date | None, dt.date | None] | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period asked for, ending no later than today; by default `reports.no_violation_period` up to today."""
    start, end = period or (None, None)
    end = end or today
    if start is None:
        start = add_months(end, -int(parameter(DEFAULT_PERIOD, today).value)) + dt.timedelta(days=1)
    if end > today:
        raise ServiceError("period_in_future", _("The period cannot end after today."), field="period")
    if start > end:
        raise ServiceError("period_reversed", _("The period starts after it ends."), field="period")
    return start, end


# --- issuing ------------------------------------------------------------------------------------------------


def _mode(variant: str, authorization) -> QueryMode:
    if variant == ReportVariant.PUBLIC:
        return QueryMode.PUBLIC
    return QueryMode.AUTHORIZED if authorization is not None else QueryMode.SELF


def report_issue(
    *,
    subject,
    variant: str,
    requester,
    purpose: str = "",
    authorization=None,
    domains: Sequence[str] | None = None,
    period: tuple[dt.date | None, dt.date | None] | None = None,
    channel: str = "web",
    subject_label: str = "",
) -> Report:
    """Issue a report of `subject` (see the module docstring for the mode each case reads in).

    Raises `NotFoundOrForbidden` whenever the access function refuses (logged and audited there; a
    `subject` None — the key asked for matched nothing — is refused and logged the same way, under
    `subject_label`), `ServiceError` for a bad variant, domain or period. `requester` None is the window
    service of the `xinyong report` command (channel "window").
    """
    try:
        variant = ReportVariant(variant)
    except ValueError:
        raise ServiceError("invalid_variant", _("Unknown report variant."), field="variant") from None
    mode = _mode(variant, authorization)
    issued_at = timezone.now()
    today = timezone.localdate(issued_at)
    chosen: list[Domain] = []
    chosen_period = None
    if variant == ReportVariant.NO_VIOLATION:
        chosen = domains_resolve(domains or [])
        chosen_period = period_resolve(period, today)
    if channel == WINDOW_CHANNEL and not purpose:
        purpose = WINDOW_PURPOSE

    info = access_subject_information(
        requester=requester,
        subject=subject,
        mode=mode,
        purpose=purpose,
        authorization=authorization,
        categories=NO_VIOLATION_KINDS if variant == ReportVariant.NO_VIOLATION and mode == QueryMode.AUTHORIZED
        else None,
        channel=channel,
        subject_label=subject_label,
    )
    subject = info.subject
    # A repaired record (Art 31) stays in the subject's own view and for official use, never in a report: a
    # report is handed to others, and publication and sharing of the record stopped with the repair.
    info.records = [view for view in info.records if not view.repaired]

    validity = parameter(VALIDITY, today)
    number = report_number_new(today)
    organization = getattr(requester, "organization", None) if requester is not None else None
    issue = Issue(
        number=number,
        variant=variant,
        issued_at=issued_at,
        valid_until=today + dt.timedelta(days=int(validity.value) - 1),
        verification_url=verification_url(number),
        requester_organization=organization.name if mode == QueryMode.AUTHORIZED and organization else "",
        purpose=purpose if mode != QueryMode.PUBLIC else "",
        authorization_id=info.authorization.pk if info.authorization is not None else None,
        channel=channel,
        domains=chosen,
        period=chosen_period,
    )
    content = report_content(info, issue)
    canonical = canonical_bytes(content)
    key = signing.active_signing_key()
    content_digest = signing.sm3_hex(canonical)
    signature = signing.sign(key, canonical)
    pdf = render_pdf(content, canonical, content_digest=content_digest, signature=signature, key_id=key.id)
    pdf_digest = signing.sm3_hex(pdf)
    pdf_signature = signing.sign(key, signing.seal_message(number, content_digest, pdf_digest))

    with transaction.atomic():
        report = Report.objects.create(
            number=number,
            subject=subject,
            variant=variant,
            kind=ReportKind.PERSON if subject.is_person else ReportKind.ORGANIZATION,
            query_mode=mode,
            requester=requester if getattr(requester, "pk", None) else None,
            requester_label=getattr(requester, "username", "") or channel,
            organization=organization,
            purpose=issue.purpose,
            authorization=info.authorization,
            channel=channel,
            issued_at=issued_at,
            valid_until=issue.valid_until,
            domains=[d.as_json() for d in chosen],
            period_from=chosen_period[0] if chosen_period else None,
            period_to=chosen_period[1] if chosen_period else None,
            content=canonical.decode("utf-8"),
            content_digest=content_digest,
            signature=signature,
            signature_key_id=key.id,
            pdf=pdf,
            pdf_digest=pdf_digest,
            pdf_signature=pdf_signature,
        )
        audit_record(
            AuditEventType.REPORT_ISSUED,
            actor=requester if getattr(requester, "pk", None) else None,
            organization=organization,
            target=report,
            target_label=number,
            articles=ARTICLES if mode == QueryMode.SELF else ["Art 21"],
            details={
                "subject": subject.pk,
                "variant": str(variant),
                "mode": str(mode),
                "channel": channel,
                "purpose": issue.purpose,
                "authorization": issue.authorization_id,
                "query_log_entry": info.log_entry.pk if info.log_entry is not None else None,
                "records": len(info.records),
                "domains": [d.as_json() for d in chosen],
                "period": [d.isoformat() for d in chosen_period] if chosen_period else None,
                "content_digest": content_digest,
                "pdf_digest": pdf_digest,
                "key": key.id,
                **decision_basis(VALIDITY, on=today),
            },
        )
        report_issued_notify(report=report, requester=requester)  # the subject's inbox (Art 29)
    return report


def report_revoke(*, report: Report, reason: str, actor=None) -> Report:
    """Revoke an issued report (e.g. issued on information since found wrong, Art 30); it then verifies as
    authentic but revoked. Nothing else of the report changes."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("reason_required", _("A revocation needs a reason."), field="reason")
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.revoked:
            raise ServiceError("already_revoked", _("This report has already been revoked."), field="revoked")
        report.revoked, report.revoked_at, report.revoked_reason = True, timezone.now(), reason[:200]
        report.save(update_fields=["revoked", "revoked_at", "revoked_reason"])
        audit_record(
            AuditEventType.REPORT_REVOKED, actor=actor, target=report, target_label=report.number,
            articles=["Art 21", "Art 30"], details={"reason": report.revoked_reason},
        )
    return report


# --- verification -------------------------------------------------------------------------------------------

MESSAGES = {
    VerificationStatus.VALID: _("Authentic and unaltered: the report was issued by the platform and is in force."),
    VerificationStatus.EXPIRED: _("Authentic and unaltered, but the report is past its validity."),
    VerificationStatus.REVOKED: _("Authentic and unaltered, but the report has been revoked."),
    VerificationStatus.NOT_FOUND: _("Not authentic: the platform has issued no report with this number."),
    VerificationStatus.UNREADABLE: _("Not authentic: the file is not a report issued by the platform."),
    VerificationStatus.SIGNATURE_INVALID: _("Not authentic: the report's signature does not verify."),
    VerificationStatus.CONTENT_MISMATCH: _("Not authentic: the content differs from the report the platform issued."),
    VerificationStatus.ALTERED: _("Not authentic: the file has been altered since it was issued."),
}


@dataclass
class VerificationResult:
    """The answer of a verification. `checks` says which checks passed (True), failed (False) or were
    not reached (absent): `signature` (the content's SM2 signature), `content` (an uploaded PDF's embedded
    content is the stored one), `file` (the file's bytes are those issued and sealed), `not_revoked`,
    `in_validity`."""

    status: str
    number: str = ""
    checks: dict[str, bool | None] = field(default_factory=dict)
    issued_at: dt.datetime | None = None
    valid_until: dt.date | None = None
    subject_name: str = ""  # masked for natural persons
    variant: str = ""

    @property
    def authentic(self) -> bool:
        """Issued by the platform and unchanged since (whether or not still in force)."""
        return self.status in (VerificationStatus.VALID, VerificationStatus.EXPIRED, VerificationStatus.REVOKED)

    @property
    def valid(self) -> bool:
        return self.status == VerificationStatus.VALID

    @property
    def message(self) -> str:
        return str(MESSAGES[VerificationStatus(self.status)])

    @property
    def variant_label(self) -> str:
        return str(ReportVariant(self.variant).label) if self.variant else ""

    def as_dict(self) -> dict:
        return {
            "number": self.number, "status": self.status, "authentic": self.authentic, "valid": self.valid,
            "message": self.message, "checks": self.checks,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "subject_name": self.subject_name, "variant": self.variant,
        }


def _stored_report_ok(report: Report) -> bool:
    """The stored content is what was signed, and is the content of this report number."""
    content = report.content.encode("utf-8")
    if signing.sm3_hex(content) != report.content_digest:
        return False
    if not signing.verify(report.signature_key_id, content, report.signature):
        return False
    try:
        return json.loads(content).get("number") == report.number
    except ValueError:
        return False


def _stored_pdf_ok(report: Report) -> bool:
    pdf = bytes(report.pdf)
    return signing.sm3_hex(pdf) == report.pdf_digest and signing.verify(
        report.signature_key_id, signing.seal_message(report.number, report.content_digest, report.pdf_digest),
        report.pdf_signature,
    )


def _finish(result: VerificationResult, report: Report | None, *, today: dt.date) -> VerificationResult:
    """Fill what the platform may say about a report it found, and decide revoked / expired / valid."""
    if report is not None:
        result.number = report.number
        result.issued_at = report.issued_at
        result.valid_until = report.valid_until
        result.variant = report.variant
        result.subject_name = mask_name(report.subject.name) if report.kind == ReportKind.PERSON else report.subject.name
    if result.status:
        return result
    result.checks["not_revoked"] = not report.revoked
    result.checks["in_validity"] = today <= report.valid_until
    if report.revoked:
        result.status = VerificationStatus.REVOKED
    elif today > report.valid_until:
        result.status = VerificationStatus.EXPIRED
    else:
        result.status = VerificationStatus.VALID
    return result


def _audit_verification(result: VerificationResult, report: Report | None, *, method: str, actor=None) -> None:
    with transaction.atomic():
        audit_record(
            AuditEventType.REPORT_VERIFIED,
            actor=actor if getattr(actor, "pk", None) else None,
            target=report,
            target_label=result.number,
            outcome=AuditOutcome.SUCCESS if result.authentic else AuditOutcome.FAILURE,
            articles=["Art 21"],
            details={"method": method, "status": result.status, "checks": result.checks},
        )


def report_verify_number(number: str, *, actor=None, on: dt.date | None = None) -> VerificationResult:
    """Is there an authentic report with this number, and is it in force? (The stored content is checked
    against its signature, so a report altered in the database is reported, not vouched for.)"""
    today = on or timezone.localdate()
    normalized = report_number_normalize(number)
    report = Report.objects.select_related("subject").filter(number=normalized).first() if normalized else None
    result = VerificationResult(status="", number=normalized or "")
    if report is None:
        result.status = VerificationStatus.NOT_FOUND
    else:
        result.checks["signature"] = _stored_report_ok(report)
        result.checks["file"] = _stored_pdf_ok(report)
        if not result.checks["signature"]:
            result.status = VerificationStatus.SIGNATURE_INVALID
        elif not result.checks["file"]:
            result.status = VerificationStatus.ALTERED
    result = _finish(result, report, today=today)
    _audit_verification(result, report, method="number", actor=actor)
    return result


def report_verify_pdf(file_bytes: bytes, *, actor=None, on: dt.date | None = None) -> VerificationResult:
    """Is this PDF a report the platform issued, byte for byte, and is it in force?

    1. the embedded content must match its embedded SM3 digest and SM2 signature (offline-checkable);
    2. a stored report must have the embedded number, the same content and a valid stored signature;
    3. the file's SM3 digest must equal the issued file's (sealed by the platform's signature).
    Any change to the file — pages, metadata or embedded content — fails 1 or 3.
    """
    today = on or timezone.localdate()
    result = VerificationResult(status="")
    data = bytes(file_bytes or b"")
    embedded = read_embedded(data) if 0 < len(data) <= MAX_PDF_BYTES else None
    report = None
    if embedded is None:
        result.status = VerificationStatus.UNREADABLE
        _audit_verification(result, None, method="pdf", actor=actor)
        return result
    result.number = report_number_normalize(embedded.number) or ""
    signature_ok = (
        signing.sm3_hex(embedded.content) == embedded.content_digest
        and signing.verify(embedded.key_id, embedded.content, embedded.signature)
    )
    try:
        embedded_number = json.loads(embedded.content).get("number") if signature_ok else None
    except ValueError:
        embedded_number = None
    result.checks["signature"] = signature_ok and embedded_number == result.number != ""
    if not result.checks["signature"]:
        result.status = VerificationStatus.SIGNATURE_INVALID
    else:
        report = Report.objects.select_related("subject").filter(number=result.number).first()
        if report is None:
            result.status = VerificationStatus.NOT_FOUND
        else:
            result.checks["content"] = _stored_report_ok(report) and report.content.encode("utf-8") == embedded.content
            result.checks["file"] = signing.sm3_hex(data) == report.pdf_digest and _stored_pdf_ok(report)
            if not result.checks["content"]:
                result.status = VerificationStatus.CONTENT_MISMATCH
            elif not result.checks["file"]:
                result.status = VerificationStatus.ALTERED
    result = _finish(result, report, today=today)
    _audit_verification(result, report, method="pdf", actor=actor)
    return result
