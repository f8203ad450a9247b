"""`xinyong demo`: synthetic Chengde data, deterministic per seed, with generated logins (Art 19, 20, 24)."""

from __future__ import annotations

import io
import stat
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from xinyong.accounts.choices import ADMINISTRATOR_ROLES, AccountKind, Role
from xinyong.accounts.models import Organization, User
from xinyong.accounts.services import api_token_authenticate
from xinyong.audit.choices import AuditEventType
from xinyong.audit.models import AuditEvent
from xinyong.core.identifiers import IdentifierType, validate
from xinyong.demo.generator import PERSON_SEQUENCE_SLOTS, Permutation, chengde_counties, generate_subjects
from xinyong.demo.services import _worker_batches, organization_plan, prepared_batches
from xinyong.subjects.choices import RelationRole, SubjectKind
from xinyong.subjects.models import Subject, SubjectAccount, SubjectName, SubjectRelation

pytestmark = [pytest.mark.django_db]

# Passwords an installer might ship; none may appear among the generated logins (security req. 6).
DEFAULT_PASSWORDS = {"admin", "admin123", "123456", "12345678", "password", "xinyong", "changeme", "demo"}


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def parse_logins(text: str) -> dict[str, str]:
    """username -> password (or token) from the printed table."""
    logins = {}
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("username")) + 2
    for line in lines[start:]:
        parts = line.split()
        if len(parts) < 2 or "." not in parts[0]:
            break
        logins[parts[0]] = parts[1]
    return logins


def load_demo(tmp_path):
    logins_file = tmp_path / "logins.txt"
    output = run_demo(
        "--subjects", "300", "--seed", "7", "--batch-size", "100", "--logins-file", str(logins_file)
    )
    return output, logins_file


def check_demo_loads_valid_unique_subjects(demo):
    output, _ = demo
    subjects = list(Subject.objects.select_related("division"))
    assert len(subjects) == 300
    assert "demo: 300 subjects in" in output and "subjects/s" in output
    assert "subjects 300/300" in output

    identifiers = [s.identifier for s in subjects]  # read back through the model: decrypted
    assert len(set(identifiers)) == 300
    for subject in subjects:
        result = validate(subject.identifier_type, subject.identifier)
        assert result.ok, subject.identifier_masked
        assert subject.identifier_masked != subject.identifier or not subject.is_person
        assert subject.division is not None

    persons = [s for s in subjects if s.is_person]
    chengde_counties_codes = set(PERSON_SEQUENCE_SLOTS)
    for person in persons:
        assert person.identifier_type == IdentifierType.CITIZEN_ID
        assert person.identifier[:6] in chengde_counties_codes
        assert 1950 <= int(person.identifier[6:10]) <= 2005
    for org in (s for s in subjects if not s.is_person):
        assert org.identifier_type == IdentifierType.USCC
        assert org.division.code.startswith("1308")
    kinds = Counter(s.kind for s in subjects)
    assert 0.45 < kinds[SubjectKind.NATURAL_PERSON] / 300 < 0.75
    assert kinds[SubjectKind.LEGAL_PERSON] and kinds[SubjectKind.INDIVIDUAL_BUSINESS]


def check_database_holds_exactly_the_generated_identifiers(demo):
    # The generator is deterministic, so a fresh database loaded with the same seed holds the same set.
    expected = {s.identifier for s in generate_subjects(300, 7)}
    assert {s.identifier for s in Subject.objects.all()} == expected


def test_same_seed_same_subjects_other_seed_others():
    first = list(generate_subjects(500, 7))
    assert first == list(generate_subjects(500, 7))
    other = list(generate_subjects(500, 8))
    assert [s.identifier for s in first] != [s.identifier for s in other]
    assert [s.name for s in first] != [s.name for s in other]


def test_batches_do_not_change_the_output():
    small = [row for batch in prepared_batches(700, 7, 64) for row in batch]
    whole = [row for batch in prepared_batches(700, 7, 700) for row in batch]
    assert small == whole


def test_generator_process_yields_the_same_batches():
    assert list(_worker_batches(1200, 7, 500)) == list(prepared_batches(1200, 7, 500))


def test_identifiers_unique_and_valid_at_scale():
    subjects = list(generate_subjects(20_000, 3))
    assert len({s.identifier for s in subjects}) == len(subjects)
    assert all(validate(s.identifier_type, s.identifier).ok for s in subjects)
    counties = chengde_counties()
    for s in subjects:
        if s.kind == SubjectKind.NATURAL_PERSON:
            assert s.identifier[:6] in counties
        else:
            assert s.identifier[2:8] == "130800" or s.identifier[2:8] in counties


@pytest.mark.parametrize("size", [1, 2, 5, 31, 1000, 4097])
def test_permutation_is_a_bijection(size):
    permutation = Permutation(size, "key")
    assert sorted(permutation(x) for x in range(size)) == list(range(size))


def check_names_history_and_legal_representatives(demo):
    assert SubjectName.objects.filter(source="demo").count() == 300
    relations = list(SubjectRelation.objects.select_related("organization", "person"))
    legal_persons = Subject.objects.filter(kind=SubjectKind.LEGAL_PERSON).count()
    assert relations, "about 30 % of legal persons get a legal representative"
    assert len(relations) < legal_persons
    for relation in relations:
        assert relation.role == RelationRole.LEGAL_REPRESENTATIVE
        assert relation.person.is_person
        assert relation.organization.kind == SubjectKind.LEGAL_PERSON


def check_one_audit_record_per_batch(demo):
    events = list(AuditEvent.objects.filter(event_type=AuditEventType.DEMO_DATA_LOADED).order_by("id"))
    assert [e.details["batch"] for e in events] == [1, 2, 3]
    assert [e.details["count"] for e in events] == [100, 100, 100]
    for event in events:
        assert {"Art 19", "Art 20"} <= set(event.articles)
        ids = Subject.objects.filter(pk__gte=event.details["first_id"], pk__lte=event.details["last_id"])
        assert ids.count() == 100


def check_logins_authenticate_and_are_not_defaults(demo):
    output, logins_file = demo
    logins = parse_logins(output)
    assert logins == parse_logins(logins_file.read_text(encoding="utf-8"))
    assert stat.S_IMODE(logins_file.stat().st_mode) == 0o600

    staff = User.objects.filter(kind=AccountKind.STAFF)
    assert {u.username for u in staff} <= set(logins)
    assert staff.count() >= 7 + 2 * 10 + 1
    for username, password in logins.items():
        assert password.lower() not in DEFAULT_PASSWORDS and len(password) >= 12
        user = User.objects.get(username=username)
        if user.kind == AccountKind.API:
            assert api_token_authenticate(password) == user
            assert user.role_set() == {Role.ANALYST}
            assert user.organization.kind == "bank"
        else:
            assert authenticate(username=username, password=password) == user, username
    assert {"amr.submitter", "shuangqiao.case", "bank.api", "portal.citizen", "portal.company"} <= set(logins)


def check_three_administrators_are_separate_accounts(demo):
    holders = {}
    for role in ADMINISTRATOR_ROLES:
        users = list(User.objects.filter(role_assignments__role=role))
        assert len(users) == 1
        assert users[0].role_set() == {role}
        holders[role] = users[0].pk
    assert len(set(holders.values())) == 3


def check_portal_accounts_act_as_a_citizen_and_a_company(demo):
    links = {link.user.username: link.subject for link in SubjectAccount.objects.select_related("user")}
    assert links["portal.citizen"].kind == SubjectKind.NATURAL_PERSON
    assert links["portal.company"].kind == SubjectKind.LEGAL_PERSON


def check_the_demo_company_has_penalties_to_object_to_and_one_to_repair(demo):
    from xinyong.rights.selectors import objectionable_items, repair_eligibility

    company = SubjectAccount.objects.get(user__username="portal.company").subject
    records = objectionable_items(company).records
    assert [r.item_code for r in records] == ["admin-penalty", "admin-penalty"]
    older = records[-1]
    assert repair_eligibility(subject=company, record=older).ok
    assert repair_eligibility(subject=company, record=records[0]).code == "minimum_period_not_passed"


def check_organizations_have_valid_government_and_company_codes(demo):
    orgs = {o.name: o for o in Organization.objects.select_related("division")}
    assert len(orgs) == len(organization_plan())
    for org in orgs.values():
        assert validate(IdentifierType.USCC, org.uscc).ok
        assert org.uscc[2:8] == org.division.code
    assert orgs["承德市行政审批局"].uscc.startswith("11")
    assert orgs["承德市行政审批局"].kind == "authority"
    assert orgs["双桥区行政审批局"].division.code == "130802"
    assert orgs["承德银行股份有限公司"].uscc.startswith("91")
    assert orgs["承德市个体劳动者协会"].uscc.startswith("51")
    assert orgs["承德市中级人民法院"].kind == "court"


def check_second_run_does_not_fail(demo):
    users, subjects = User.objects.count(), Subject.objects.count()
    output = run_demo("--subjects", "300", "--seed", "7")
    assert "demo data already loaded" in output
    assert User.objects.count() == users and Subject.objects.count() == subjects


@pytest.mark.smoke
def test_demo_command(tmp_path):
    """One load (staff passwords are slow to hash by design) checked from every side, then a second run."""
    demo = load_demo(tmp_path)
    check_demo_loads_valid_unique_subjects(demo)
    check_database_holds_exactly_the_generated_identifiers(demo)
    check_names_history_and_legal_representatives(demo)
    check_one_audit_record_per_batch(demo)
    check_logins_authenticate_and_are_not_defaults(demo)
    check_three_administrators_are_separate_accounts(demo)
    check_portal_accounts_act_as_a_citizen_and_a_company(demo)
    check_the_demo_company_has_penalties_to_object_to_and_one_to_repair(demo)
    check_organizations_have_valid_government_and_company_codes(demo)
    check_second_run_does_not_fail(demo)


def test_failure_after_accounts_keeps_their_logins(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("xinyong.demo.services.subjects_load", broken)
    out = io.StringIO()
    logins_file = tmp_path / "logins.txt"
    with pytest.raises(RuntimeError):
        call_command("demo", "--subjects", "10", "--logins-file", str(logins_file), stdout=out)
    printed = parse_logins(out.getvalue())
    assert "authority.sysadmin" in printed
    assert parse_logins(logins_file.read_text(encoding="utf-8")) == printed
