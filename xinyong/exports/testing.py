"""Test helper: a bulk export through its pages — asked for, approved by a colleague, downloaded (req 26)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import reverse


def export_through_approval(requester, approver, export_url: str, params: dict | None = None,
                            reason: str = "季度监督检查需要"):
    """`requester` and `approver` are logged-in test clients of two staff members of one organization. Follows
    the page's export link and returns the downloaded file's response."""
    asked = requester.get(export_url, params or {})
    assert asked.status_code == 302, asked.status_code
    form_url = asked["Location"]
    assert urlsplit(form_url).path == reverse("exports:new"), form_url
    created = requester.post(form_url, {"reason": reason})
    assert created.status_code == 302, created.content.decode()[:2000]
    detail = created["Location"]
    pk = int(detail.rstrip("/").rsplit("/", 1)[-1])
    decided = approver.post(reverse("exports:decide", args=[pk]), {"decision": "approve", "note": ""})
    assert decided.status_code == 302, decided.content.decode()[:2000]
    return requester.post(reverse("exports:file", args=[pk]))
