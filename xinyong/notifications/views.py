"""Inbox pages (Art 24, 29): the subject's notices in its account, the organization's in the console, the
contact settings of both, and the delivery outbox of the system administrator.

Portal (subject accounts): `/account/notices/` (newest first, unread marked, 20 a page), a notice's page,
"mark as read" (POST), `/account/notices/settings/`. Console: `/console/notices/` (`VIEW_NOTICES`: the staff
member's organization's notices) with the same pages, and `/console/notifications/outbox/`
(`MANAGE_NOTIFICATIONS`): counts by status, failed deliveries with the address masked, and "send again". Other
recipients' notices answer 404, as missing ones do. Writes go through `xinyong.notifications.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyong.accounts.permissions import Permission, has_permission
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.notifications.forms import ContactForm
from xinyong.notifications.models import OutboxMessage
from xinyong.notifications.selectors import (
    contact_details_of,
    notice_for_account,
    notices_for_account,
    outbox_counts,
    outbox_failed,
    unread_count_for_account,
)
from xinyong.notifications.services import contact_details_set, notice_mark_read, outbox_requeue
from xinyong.web.views import staff_required, subject_required

PAGE_SIZE = 20

# The two places an inbox lives: the portal account and the console. Each names its URL names and layout.
PORTAL = {
    "inbox": "notifications:inbox", "notice": "notifications:notice", "read": "notifications:notice-read",
    "contact": "notifications:contact", "layout": "web/base.html", "console": False,
}
CONSOLE = {
    "inbox": "notifications:console-notices", "notice": "notifications:console-notice",
    "read": "notifications:console-notice-read", "contact": "notifications:console-contact",
    "layout": "web/console_base.html", "console": True,
}


def _require_notices(user) -> None:
    if not has_permission(user, Permission.VIEW_NOTICES):
        raise PermissionDenied


def _notice_or_404(user, pk):
    try:
        return notice_for_account(user, pk)
    except NotFoundOrForbidden:
        raise Http404 from None


def _inbox(request, place):
    notices = notices_for_account(request.user).order_by("-created_at", "-id")
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "place": place, "page": page, "notices": page.object_list,
        "unread": unread_count_for_account(request.user),
    })


def _detail(request, place, pk):
    return render(request, "notifications/notice.html",
                  {"place": place, "notice": _notice_or_404(request.user, pk)})


def _mark_read(request, place, pk):
    notice = _notice_or_404(request.user, pk)
    try:
        notice_mark_read(notice=notice, user=request.user)
    except NotFoundOrForbidden:
        raise Http404 from None
    if request.POST.get("next") == "notice":
        return HttpResponseRedirect(reverse(place["notice"], args=[notice.pk]))
    return HttpResponseRedirect(reverse(place["inbox"]))


def _contact(request, place):
    current = contact_details_of(request.user)
    initial = {}
    if current is not None:
        initial = {"email": current.email, "mobile": current.mobile, "email_on": current.email_on,
                   "sms_on": current.sms_on}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact_details_set(user=request.user, email=data["email"], mobile=data["mobile"],
                                email_on=data["email_on"], sms_on=data["sms_on"])
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Your notification settings are saved."))
            return HttpResponseRedirect(reverse(place["contact"]))
    return render(request, "notifications/contact.html", {"place": place, "form": form},
                  status=400 if request.method == "POST" else 200)


# --- the subject's account ------------------------------------------------------------------------------------


@subject_required
def inbox(request):
    """The subject's notices (Art 24, 29): what was collected about it, its listings, reports, reads."""
    return _inbox(request, PORTAL)


@subject_required
def notice(request, pk):
    return _detail(request, PORTAL, pk)


@subject_required
@require_POST
def notice_read(request, pk):
    return _mark_read(request, PORTAL, pk)


@subject_required
@require_http_methods(["GET", "POST"])
def contact(request):
    return _contact(request, PORTAL)


# --- console ------------------------------------------------------------------------------------------------


@staff_required
def console_notices(request):
    """The notices addressed to the staff member's organization (measure cases, escalations, …)."""
    _require_notices(request.user)
    return _inbox(request, CONSOLE)


@staff_required
def console_notice(request, pk):
    _require_notices(request.user)
    return _detail(request, CONSOLE, pk)


@staff_required
@require_POST
def console_notice_read(request, pk):
    _require_notices(request.user)
    return _mark_read(request, CONSOLE, pk)


@staff_required
@require_http_methods(["GET", "POST"])
def console_contact(request):
    _require_notices(request.user)
    return _contact(request, CONSOLE)


def _require_outbox(user) -> None:
    if not has_permission(user, Permission.MANAGE_NOTIFICATIONS):
        raise PermissionDenied


@staff_required
def outbox(request):
    """The delivery outbox for the system administrator: how many messages wait, went and failed, and the
    failed ones (address masked, no notice text: 三员) with "send again"."""
    _require_outbox(request.user)
    return render(request, "notifications/outbox.html", {"counts": outbox_counts(), "failed": outbox_failed()})


@staff_required
@require_POST
def outbox_requeue_view(request, pk):
    _require_outbox(request.user)
    message = OutboxMessage.objects.filter(pk=pk).first()
    if message is None:
        raise Http404
    try:
        outbox_requeue(message=message, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The message is queued to be sent again."))
    return HttpResponseRedirect(reverse("notifications:outbox"))
