"""Shared set-up for the lists and measures tests: the credit authority and its case handler, an implementing
department, subjects, and a helper that takes an entry through the whole listing procedure (Art 24).

Dates are fixed in the past so that windows and deadlines do not depend on the day the suite runs:
a notice served on Monday 2 March 2026 opens a 5-working-day window that ends on Monday 9 March.
"""

from __future__ import annotations

import datetime as dt
from itertools import count

import pytest

from xinyong.core.identifiers import make_citizen_id, make_uscc

SERVED = dt.date(2026, 3, 2)  # a Monday
WINDOW_END = dt.date(2026, 3, 9)  # 5 working days later
DECIDED = dt.date(2026, 3, 10)  # the first day a decision may be taken
CHECKED = dt.date(2026, 3, 11)

_numbers = count(1)


def org_uscc(n: int) -> str:
    return make_uscc("9", "1", "130802", f"{n:08d}")


def person_id(n: int) -> str:
    return make_citizen_id("130802", dt.date(1975, 1, 1) + dt.timedelta(days=n), n % 1000)


def register_org(name: str | None = None, n: int | None = None):
    from xinyong.subjects.services import SubjectData, subject_register

    n = n if n is not None else next(_numbers)
    return subject_register(
        data=SubjectData(kind="legal_person", identifier_type="uscc", identifier=org_uscc(n),
                         name=name or f"承德市测试建设工程有限公司{n}", division_code="130802"),
        source="test",
    )


def register_person(name: str = "王五", n: int | None = None):
    from xinyong.subjects.services import SubjectData, subject_register

    n = n if n is not None else next(_numbers)
    return subject_register(
        data=SubjectData(kind="natural_person", identifier_type="id", identifier=person_id(n), name=name,
                         division_code="130802"),
        source="test",
    )


def definition(code: str):
    from xinyong.lists.models import ListDefinition

    return ListDefinition.objects.get(code=code)


def court_two_years(listed_from: dt.date) -> dt.date:
    """The last day of a two-year term the court decided (法释〔2017〕7号第二条), as the court's data gives it."""
    from xinyong.lists.services import add_period

    return add_period(listed_from, 24, "months") - dt.timedelta(days=1)


def publish_entry(subject, actor, code: str = "serious-dishonesty", *, served: dt.date = SERVED,
                  reasons: str = "拒不履行法定义务，情节严重。", publish: bool = True,
                  court_term_end: dt.date | None = None, court_term_open: bool = False):
    """Take an entry through proposal, notice (where the list needs one), decision and publication.

    On the courts' list the decision carries the court's term: `court_term_end`, `court_term_open`, or by
    default a two-year term from the decision date, as a court typically decides it."""
    from xinyong.lists.services import (
        list_entry_decide,
        list_entry_notify,
        list_entry_propose,
        list_entry_publish,
    )

    target = definition(code)
    entry = list_entry_propose(definition=target, subject=subject, reasons=reasons, actor=actor, on=served)
    decided = served
    if target.requires_prior_notice:
        entry = list_entry_notify(entry=entry, served_on=served, actor=actor)
        decided = entry.objection_window_end + dt.timedelta(days=1)
    term = {}
    if target.term_set_by_court:
        term = {"court_term_open": court_term_open,
                "court_term_end": None if court_term_open else court_term_end or court_two_years(decided)}
    entry = list_entry_decide(entry=entry, decision="listed", reasons="经审查，事实清楚，决定列入。", actor=actor,
                              on=decided, **term)
    if publish:
        entry = list_entry_publish(entry=entry, actor=actor, on=decided)
    return entry


def audit_count(event_type) -> int:
    from xinyong.audit.models import AuditEvent

    return AuditEvent.objects.filter(event_type=int(event_type)).count()


@pytest.fixture
def authority(make_org):
    return make_org(name="承德市行政审批局", kind="authority")


@pytest.fixture
def clerk(make_staff, authority):
    """A case handler of the credit authority: keeps every list (Art 22, 24)."""
    return make_staff(roles=("case_handler",), organization=authority)


@pytest.fixture
def department(make_org):
    return make_org(name="承德市财政局")


@pytest.fixture
def implementer(make_staff, department):
    """A measure implementer of a government department: checks subjects and reports feedback."""
    return make_staff(roles=("measure_implementer",), organization=department)


@pytest.fixture
def company(divisions):
    return register_org("承德市诚信测试建材有限公司")


@pytest.fixture
def render_notices_fast(monkeypatch):
    """Notices as tiny PDFs: the procedure tests do not need WeasyPrint's 1 s per page (one test renders it)."""
    monkeypatch.setattr("xinyong.lists.services.render_notice_pdf", lambda content: b"%PDF-1.7 test notice")
