"""Report pages: public verification (anyone) and a subject's own reports (Art 21, 29).

* `/reports/verify/` — a report number (typed, or from the report's QR code: `?number=`) or an uploaded PDF;
  says whether the report is authentic and unaltered, and in force. Rate-limited per client address like the
  other public reads (security req. 26).
* `/reports/mine/` — a logged-in citizen or business issues its own full report (mode self) and downloads
  the reports it issued.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from xinyong.core.errors import ServiceError
from xinyong.core.uploads import read_limited, upload_limit
from xinyong.disclosure.ratelimit import PUBLIC, QUERY, rate_limited
from xinyong.disclosure.services import account_subject
from xinyong.reports.choices import ReportVariant
from xinyong.reports.forms import VerificationForm
from xinyong.reports.selectors import access_report_by_number, pdf_filename, reports_requested_by
from xinyong.reports.services import MAX_PDF_BYTES, report_issue, report_verify_number, report_verify_pdf
from xinyong.web.views import subject_required

SELF_PURPOSE = "信用主体本人查询"


def _actor(request):
    return request.user if request.user.is_authenticated else None


@upload_limit(MAX_PDF_BYTES)
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    result = None
    if request.method == "POST":
        form = VerificationForm(request.POST, request.FILES)
    else:
        form = VerificationForm(request.GET if "number" in request.GET else None)
    if form.is_bound and form.is_valid():
        limited = rate_limited(request, PUBLIC, json=False)
        if limited is not None:
            return limited
        upload = form.cleaned_data.get("file")
        if upload is not None:
            result = report_verify_pdf(read_limited(upload, MAX_PDF_BYTES), actor=_actor(request))
        else:
            result = report_verify_number(form.cleaned_data["number"], actor=_actor(request))
    return render(request, "reports/verify.html", {"form": form, "result": result})


@subject_required
@never_cache
@require_http_methods(["GET", "POST"])
def mine(request):
    subject = account_subject(request.user)
    if request.method == "POST" and subject is not None:
        limited = rate_limited(request, QUERY, json=False)
        if limited is not None:
            return limited
        try:
            report = report_issue(
                subject=subject, variant=ReportVariant.FULL, requester=request.user, purpose=SELF_PURPOSE,
                channel="web",
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your credit report %(number)s has been issued.") % {"number": report.number})
        return redirect("reports:mine")
    return render(
        request, "reports/mine.html", {"subject": subject, "reports": reports_requested_by(request.user)}
    )


@subject_required
@never_cache
def mine_pdf(request, number: str):
    try:
        report = access_report_by_number(request.user, number)
    except ServiceError:
        raise Http404 from None
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(report)}"'
    return response
