"""API: issue credit reports, download them, verify them (Art 21, 29; security req. 7, 8, 9, 26).

* `POST /reports` — issue a report. A subject's portal session issues its own (mode self); an organization's
  account names the subject's written authorization (mode authorized); anyone authenticated may issue the
  public report of an organization. Every refusal of the access function is the 404 of a missing subject.
  Bodies are closed: unknown and server-owned keys are refused. Rate-limited per account.
* `GET /reports/{number}/pdf` — the PDF, for the account that issued it only (404 for anyone else).
* `GET /reports/{number}/verification`, `POST /reports/verification` (PDF upload) — public, like the
  verification page, and rate-limited per client address.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from pydantic import ConfigDict

from xinyong.accounts.api_permissions import caller
from xinyong.accounts.choices import AccountKind
from xinyong.api import ApiClientBearer, StaffSessionAuth, SubjectSessionAuth
from xinyong.core.errors import ServiceError
from xinyong.core.schemas import ErrorOut
from xinyong.core.text import SingleLineText
from xinyong.core.uploads import read_limited, upload_limit
from xinyong.disclosure import ratelimit
from xinyong.disclosure.api import subject_by_key
from xinyong.disclosure.models import Authorization
from xinyong.disclosure.services import account_subject
from xinyong.reports.selectors import access_report_by_number, pdf_filename
from xinyong.reports.services import (
    MAX_PDF_BYTES,
    report_issue,
    report_verify_number,
    report_verify_pdf,
)

router = Router(tags=["reports"])
PUBLIC_TAG = "public"


ISSUERS = [ApiClientBearer(), StaffSessionAuth(), SubjectSessionAuth()]


class ReportIssueIn(Schema):
    """What to issue. `subject` is the organization's USCC or the subject's number in the platform (as the
    authorization list gives it); a subject's own session may leave it out. `domains` and the period are for
    the no-violation report only: domains as `provider:USCC`, `category:code` or `item:code`."""

    model_config = ConfigDict(extra="forbid")
    variant: Literal["full", "public", "no_violation"]
    subject: str | None = None
    authorization: int | None = None
    purpose: SingleLineText = ""
    domains: list[str] = []
    period_from: dt.date | None = None
    period_to: dt.date | None = None


class ReportOut(Schema):
    number: str
    variant: str
    issued_at: dt.datetime
    valid_until: dt.date
    content_digest: str
    signature_key_id: str
    download_url: str
    verification_url: str


class VerificationOut(Schema):
    number: str
    status: str
    authentic: bool
    valid: bool
    message: str
    checks: dict[str, bool]
    issued_at: dt.datetime | None
    valid_until: dt.date | None
    subject_name: str
    variant: str


def _subject_for(request, payload: ReportIssueIn):
    """The subject asked for and the label the query log keeps for the key (never an ID number)."""
    user = caller(request)
    if payload.subject:
        return subject_by_key(payload.subject)
    if user.kind == AccountKind.SUBJECT:
        return account_subject(user), ""
    if payload.authorization is not None:
        # The grantee's authorization names the subject; the access function checks it is the caller's.
        found = Authorization.objects.select_related("subject").filter(pk=payload.authorization).first()
        return (found.subject if found else None), f"authorization #{payload.authorization}"
    return None, ""


@router.post(
    "", auth=ISSUERS, url_name="report_issue",
    response={201: ReportOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Issue a credit report (self, authorized or public; Art 21, 29)",
)
def issue(request, payload: ReportIssueIn):
    limited = ratelimit.rate_limited(request, ratelimit.QUERY)
    if limited is not None:
        return limited
    period = (payload.period_from, payload.period_to) if payload.period_from or payload.period_to else None
    subject, label = _subject_for(request, payload)
    report = report_issue(
        subject=subject, variant=payload.variant, requester=caller(request), purpose=payload.purpose,
        authorization=payload.authorization, domains=payload.domains, period=period, channel="api",
        subject_label=label,
    )
    return 201, {
        "number": report.number, "variant": report.variant, "issued_at": report.issued_at,
        "valid_until": report.valid_until, "content_digest": report.content_digest,
        "signature_key_id": report.signature_key_id,
        "download_url": reverse("api:report_pdf", kwargs={"number": report.number}),
        "verification_url": reverse("api:report_verification", kwargs={"number": report.number}),
    }


@router.get(
    "/{number}/pdf", auth=ISSUERS, url_name="report_pdf", response={200: None, 404: ErrorOut},
    summary="Download a report's PDF (the account that issued it only)",
)
def pdf(request, number: str):
    report = access_report_by_number(caller(request), number)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(report)}"'
    return response


@router.get(
    "/{number}/verification", auth=None, tags=[PUBLIC_TAG], url_name="report_verification",
    response={200: VerificationOut, 429: ErrorOut},
    summary="Verify a report by its number (public)",
)
def verify_number(request, number: str):
    limited = ratelimit.rate_limited(request, ratelimit.PUBLIC)
    if limited is not None:
        return limited
    return report_verify_number(number, actor=_authenticated(request)).as_dict()


@router.post(
    "/verification", auth=None, tags=[PUBLIC_TAG], url_name="report_verification_pdf",
    response={200: VerificationOut, 400: ErrorOut, 429: ErrorOut},
    summary="Verify a report's PDF file, byte for byte (public)",
)
@upload_limit(MAX_PDF_BYTES)
def verify_pdf(request, file: File[UploadedFile]):
    limited = ratelimit.rate_limited(request, ratelimit.PUBLIC)
    if limited is not None:
        return limited
    if file.size > MAX_PDF_BYTES:
        raise ServiceError("file_too_large", _("The file is too large to be a report."), field="file")
    return report_verify_pdf(read_limited(file, MAX_PDF_BYTES), actor=_authenticated(request)).as_dict()


def _authenticated(request):
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None
