"""`xinyong report`: the window service issues a report to a subject present in person (Art 21, 29)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from report_fixtures import COMPANY_USCC, pdf_text

from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.disclosure.models import QueryLogEntry
from xinyong.reports.choices import VerificationStatus
from xinyong.reports.models import Report
from xinyong.reports.services import report_verify_number, report_verify_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 21")]


def run(*args) -> dict:
    out = StringIO()
    call_command("report", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def returncode(*args) -> int:
    with pytest.raises(CommandError) as refused:
        call_command("report", *args, stdout=StringIO())
    return refused.value.returncode


def test_the_command_writes_a_public_report_and_exits_0(company, tmp_path):
    out = tmp_path / "public.pdf"
    line = run("--subject", COMPANY_USCC.lower(), "--kind", "org", "--variant", "public", "--out", str(out))
    report = Report.objects.get(number=line["report"])
    assert out.read_bytes() == bytes(report.pdf)
    assert "承德市公共信用信息报告" in pdf_text(out.read_bytes())
    assert (report.query_mode, report.channel, report.requester_id) == ("public", "window", None)
    assert report_verify_pdf(out.read_bytes()).valid


@pytest.mark.articles("Art 29")
def test_the_command_writes_a_full_report_read_in_mode_self_at_the_window(company, tmp_path):
    out = tmp_path / "report.pdf"
    line = run("--subject", COMPANY_USCC, "--kind", "org", "--variant", "full", "--out", str(out),
               "--purpose", "办理招投标")
    report = Report.objects.get(number=line["report"])
    assert out.read_bytes() == bytes(report.pdf)
    assert (report.query_mode, report.channel, report.requester_id) == ("self", "window", None)
    entry = QueryLogEntry.objects.get()
    assert (entry.mode, entry.channel, entry.purpose, entry.result) == ("self", "window", "办理招投标", "served")
    assert AuditEvent.objects.get(event_type=AuditEventType.REPORT_ISSUED).details["channel"] == "window"
    assert "查询窗口" in pdf_text(out.read_bytes())


def test_the_command_writes_a_no_violation_report_for_chosen_domains_and_period(company, provider, tmp_path):
    out = tmp_path / "nv.pdf"
    line = run("--subject", COMPANY_USCC, "--kind", "org", "--variant", "no-violation", "--out", str(out),
               "--domains", f"provider:{provider.uscc}", "category:serious-dishonesty",
               "--from", "2025-01-01", "--to", "2026-06-30")
    report = Report.objects.get(number=line["report"])
    domains = json.loads(report.content)["no_violation"]["domains"]
    assert [(d["label"], d["found"]) for d in domains] == [(provider.name, 1), ("严重失信主体名单信息", 0)]
    assert (report.query_mode, report.purpose) == ("self", "窗口服务：向到场的信用主体出具本人信用报告")
    assert returncode("--subject", COMPANY_USCC, "--kind", "org", "--variant", "no-violation",
                      "--out", str(out), "--domains", "nowhere") == 2


def test_the_kind_is_never_guessed_from_the_code(company, person, tmp_path):
    out = str(tmp_path / "x.pdf")
    # An organization's USCC asked for as a person, and a person's ID number asked for as an organization.
    assert returncode("--subject", COMPANY_USCC, "--kind", "person", "--variant", "full", "--out", out) == 2
    assert returncode("--subject", person.plain_id, "--kind", "org", "--variant", "public", "--out", out) == 2
    assert returncode("--subject", "91130802MA0ZZZZZZZ", "--kind", "org", "--variant", "public", "--out", out) == 2
    assert not Report.objects.exists() and not (tmp_path / "x.pdf").exists()


def test_a_public_report_of_a_person_is_refused_like_a_missing_subject(person, tmp_path):
    out = tmp_path / "x.pdf"
    assert returncode("--subject", person.plain_id, "--kind", "person", "--variant", "public", "--out", str(out)) == 3
    assert not out.exists()


def test_the_command_revokes_a_report(company, tmp_path):
    line = run("--subject", COMPANY_USCC, "--kind", "org", "--variant", "public", "--out", str(tmp_path / "r.pdf"))
    assert returncode("--revoke", line["report"]) == 2  # a reason is required
    revoked = run("--revoke", line["report"], "--reason", "信息已更正")
    assert revoked["revoked"] is True
    assert report_verify_number(line["report"]).status == VerificationStatus.REVOKED
