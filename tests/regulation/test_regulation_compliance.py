"""`xinyong compliance`: an article is implemented only when a service module declares it (IMPLEMENTS) and a
test is marked for it (pytest.mark.articles); citations count for nothing (registry item A.4, issue 11 #9).

The fake source trees are written under tmp_path; the command reads them with `--root`.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from xinyong.regulation.compliance import (
    IMPLEMENTED,
    MISSING,
    NO_DUTY,
    compliance_report,
    marked_tests,
    no_software_duty,
    read_no_software_duty,
)
from xinyong.regulation.text import regulation_text

pytestmark = pytest.mark.smoke

# The articles this project has read as placing no duty on the software (data/no_software_duty.toml).
NO_DUTY_ARTICLES = {1, 2, 3, 4, 5, 8, 12, 13, 16, 26, 35, 36, 37}


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def tree(root: Path, service: str = "", test: str = "") -> Path:
    (root / "xinyong").mkdir(exist_ok=True)
    (root / "tests").mkdir(exist_ok=True)
    if service:
        write(root, "xinyong/lists/services.py", service)
    if test:
        write(root, "tests/lists/test_lists.py", test)
    return root


def rows(report) -> dict:
    return {row.number: row for row in report.articles}


def messages(report) -> list[str]:
    return [f"{e.path}:{e.line}: {e.message}" for e in report.errors]


SERVICE = '''
    """Lists (Art 22)."""

    IMPLEMENTS = ("Art 24: list_entry_notify", "Art 22")


    def list_entry_notify():
        """Serve the written prior notice (Art 24)."""
'''
TEST = """
    import pytest

    pytestmark = [pytest.mark.smoke, pytest.mark.articles("Art 22")]


    @pytest.mark.articles("Art 24")
    def test_the_notice_is_served():
        pass


    def test_another():
        pass
"""


def test_a_declared_service_and_a_marked_test_make_an_article_implemented(tmp_path):
    report = compliance_report(tree(tmp_path, SERVICE, TEST))
    assert report.errors == []
    art22, art24 = rows(report)[22], rows(report)[24]
    assert art24.status == art22.status == IMPLEMENTED
    assert [s.label() for s in art24.services] == ["xinyong.lists.services (list_entry_notify)"]
    assert [t.label() for t in art24.tests] == ["tests/lists/test_lists.py::test_the_notice_is_served"]
    assert [s.label() for s in art22.services] == ["xinyong.lists.services"]
    assert [t.label() for t in art22.tests] == ["tests/lists/test_lists.py"]  # pytestmark: all its tests


def test_a_single_marked_test_is_named_with_its_node_id(tmp_path):
    test = """
        import pytest


        @pytest.mark.articles("Art 24")
        def test_the_notice_is_served():
            pass


        class TestWindow:
            pytestmark = pytest.mark.articles("Art 22")

            @pytest.mark.articles("Art 24")
            def test_the_window_counts_working_days(self):
                pass
    """
    report = compliance_report(tree(tmp_path, SERVICE, test))
    assert [t.label() for t in rows(report)[24].tests] == [
        "tests/lists/test_lists.py::TestWindow::test_the_window_counts_working_days",
        "tests/lists/test_lists.py::test_the_notice_is_served",
    ]
    assert [t.label() for t in rows(report)[22].tests] == ["tests/lists/test_lists.py::TestWindow"]


def test_citations_in_docstrings_comments_references_and_test_names_count_for_nothing(tmp_path):
    service = '''
        """Implements the listing notice (Art 24); see also 征信业管理条例 Art 14."""

        # Art 27: graded supervision
        ARTICLES = ["Art 24"]


        def list_entry_notify():
            """Art 24."""
    '''
    test = """
        def test_art_24_notice():
            assert "Art 24"
    """
    root = tree(tmp_path, service, test)
    write(root, "xinyong/regulation/parameters/lists/x.toml", 'reference = ["Art 27", "Art 34"]\n')
    report = compliance_report(root)
    assert report.errors == []
    assert {rows(report)[n].status for n in (14, 24, 27, 34)} == {MISSING}
    assert rows(report)[24].lacking == ["service", "test"]


def test_a_service_without_a_test_and_a_test_without_a_service_are_both_missing(tmp_path):
    service = 'IMPLEMENTS = ("Art 24",)\n'
    test = """
        import pytest


        @pytest.mark.articles("Art 28")
        def test_an_objection():
            pass
    """
    report = compliance_report(tree(tmp_path, service, test))
    assert (rows(report)[24].status, rows(report)[24].lacking) == (MISSING, ["test"])
    assert (rows(report)[28].status, rows(report)[28].lacking) == (MISSING, ["service"])


def test_an_article_without_software_duty_is_reported_with_its_reason(tmp_path):
    report = compliance_report(tree(tmp_path))
    assert {n for n, row in rows(report).items() if row.status == NO_DUTY} == NO_DUTY_ARTICLES
    assert rows(report)[37].no_duty_reason.startswith("entry into force on 2024-05-01")
    assert report.summary() == "articles: 37, implemented: 0, missing: 24, no software duty: 13"


@pytest.mark.parametrize(
    ("declaration", "error"),
    [
        ('IMPLEMENTS = ("Art 38",)', "the 承德市社会信用促进条例 has no article 38"),
        ('IMPLEMENTS = ("Art 0",)', "'Art 0' is not an article"),
        ('IMPLEMENTS = ("Art. 24",)', "'Art. 24' is not an article"),
        ('IMPLEMENTS = ("art 24",)', "'art 24' is not an article"),
        ('IMPLEMENTS = ("Art 22–26",)', "'Art 22–26' is not an article"),
        ('IMPLEMENTS = ("Art 24 ¶2",)', "'Art 24 ¶2' is not an article"),
        ('IMPLEMENTS = ("第二十四条",)', "'第二十四条' is not an article"),
        ('IMPLEMENTS = ("Art 24\\n",)', "'Art 24\\n' is not an article"),
        ('IMPLEMENTS = ("Art 24:",)', "after the colon, the names of the module's functions"),
        ("IMPLEMENTS = (24,)", "24 is not a string"),
        ("IMPLEMENTS = ARTICLES", "IMPLEMENTS must be a tuple of strings"),
        ("IMPLEMENTS = ()", "IMPLEMENTS names no article"),
        ('IMPLEMENTS = ("Art 24", "Art 24")', "Art 24 is declared twice"),
        ('IMPLEMENTS = ("Art 24: list_entry_publish",)', "not defined at the module's top level: list_entry_publish"),
        ('IMPLEMENTS = ("Art 24: list-entry",)', "after the colon, the names of the module's functions"),
        ('IMPLEMENTS = ("Art 1",)', "Art 1 is listed as placing no duty on the software"),
        ('IMPLEMENTS = ("Art 24",)\nIMPLEMENTS = ("Art 22",)', "IMPLEMENTS is assigned more than once"),
        ('def f():\n    IMPLEMENTS = ("Art 24",)', "IMPLEMENTS is read only at module level"),
    ],
)
def test_an_invalid_service_declaration_is_an_error_naming_file_and_line(tmp_path, declaration, error):
    service = f"def list_entry_notify():\n    pass\n\n\n{declaration}\n"
    report = compliance_report(tree(tmp_path, service))
    assert len(report.errors) == 1, messages(report)
    assert report.errors[0].path == "xinyong/lists/services.py"
    assert report.errors[0].line >= 4
    assert error in report.errors[0].message


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ('@pytest.mark.articles("Art 99")\ndef test_x():\n    pass', "has no article 99"),
        ("@pytest.mark.articles()\ndef test_x():\n    pass", "needs the articles"),
        ("@pytest.mark.articles\ndef test_x():\n    pass", "needs the articles"),
        ('@pytest.mark.articles(article="Art 24")\ndef test_x():\n    pass', "needs the articles"),
        ('@pytest.mark.articles("Art 24: test_x")\ndef test_x():\n    pass', "a test marker names the article only"),
        ('@pytest.mark.articles("Art 37")\ndef test_x():\n    pass', "Art 37 is listed as placing no duty"),
        ('@pytest.fixture\n@pytest.mark.articles("Art 24")\ndef notice():\n    pass', "counts only on a test"),
        (
            '@pytest.mark.parametrize("n", [pytest.param(1, marks=pytest.mark.articles("Art 24"))])\n'
            "def test_x(n):\n    pass",
            "counts only on a test",
        ),
        ('MARKS = [pytest.mark.articles("Art 24")]\npytestmark = MARKS', "counts only on a test"),
    ],
)
def test_an_invalid_test_marker_is_an_error_naming_file_and_line(tmp_path, source, error):
    test = f"import pytest\n\n\n{source}\n"
    report = compliance_report(tree(tmp_path, test=test))
    assert [e.path for e in report.errors] == ["tests/lists/test_lists.py"], messages(report)
    assert error in report.errors[0].message
    assert report.errors[0].line >= 4


def test_a_marker_outside_a_test_module_is_an_error(tmp_path):
    root = tree(tmp_path)
    write(root, "tests/lists/conftest.py", 'import pytest\n\nMARK = pytest.mark.articles("Art 24")\n')
    report = compliance_report(root)
    assert messages(report) == [
        "tests/lists/conftest.py:3: pytest.mark.articles counts only on a test, a Test class or in pytestmark "
        "of a test module"
    ]


def test_the_no_duty_list_is_checked_entry_by_entry(tmp_path):
    path = write(
        tmp_path,
        "no_duty.toml",
        """
        [[article]]
        number = 38
        reason = "no such article"

        [[article]]
        number = 1
        reason = " "

        [[article]]
        number = 2
        reason = "scope"

        [[article]]
        number = 2
        reason = "scope again"

        [[article]]
        number = 3
        reason = "definitions"
        note = "an unknown key"
        """,
    )
    reasons, errors = read_no_software_duty(path)
    assert reasons == {2: "scope"}
    assert [e.message for e in errors] == [
        "entry 1: 38 is not an article number",
        "entry 2: Art 1 has no reason",
        "entry 4: Art 2 is listed twice",
        "entry 5: keys must be exactly number and reason",
    ]


def test_the_vendored_no_duty_list_gives_a_reason_for_each_of_its_articles():
    reasons, errors = read_no_software_duty()
    assert errors == []
    assert set(reasons) == NO_DUTY_ARTICLES == set(no_software_duty())
    assert all(len(reason) > 20 for reason in reasons.values())


def test_the_markers_read_from_the_source_are_those_pytest_collects(tmp_path):
    """Every form the reader accepts, checked against pytest's own collection of the same module."""
    root = tree(tmp_path)
    write(
        root,
        "tests/test_forms.py",
        """
        import pytest
        from pytest import mark

        pytestmark = [pytest.mark.smoke, pytest.mark.articles("Art 18")]


        @pytest.mark.articles("Art 24", "Art 28")
        @pytest.mark.parametrize("n", [1, 2])
        def test_function(n):
            pass


        @mark.articles("Art 30")
        class TestClass:
            pytestmark = pytest.mark.articles("Art 31")

            @pytest.mark.articles("Art 22")
            def test_method(self):
                pass

            def test_other(self):
                pass


        def test_plain():
            pass
        """,
    )
    write(root, "pytest.ini", "[pytest]\nmarkers =\n    smoke: x\n    articles: x\n")
    write(
        root,
        "conftest.py",
        """
        import json


        def pytest_collection_finish(session):
            found = {}
            for item in session.items:
                name = item.nodeid.split("::", 1)[1].split("[")[0]
                arts = {a for m in item.iter_markers("articles") for a in m.args}
                found.setdefault(name, set()).update(arts)
            with open("collected.json", "w") as f:
                json.dump({k: sorted(v) for k, v in found.items()}, f)
        """,
    )
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:django",
         "--strict-markers", "tests/test_forms.py"],
        cwd=root, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    collected = json.loads((root / "collected.json").read_text(encoding="utf-8"))

    found, errors = marked_tests(root / "tests", root)
    assert errors == []
    whole = {n for n, marks in found.items() for m in marks if m.test is None}
    by_test: dict[str, set] = {}
    for number, marks in found.items():
        for m in marks:
            if m.test:
                by_test.setdefault(m.test, set()).add(number)

    def read(name: str) -> list[str]:
        numbers = set(whole) | by_test.get(name, set()) | by_test.get(name.split("::")[0], set())
        return sorted(f"Art {n}" for n in numbers)

    assert collected == {name: read(name) for name in collected}
    assert collected["TestClass::test_method"] == ["Art 18", "Art 22", "Art 30", "Art 31"]
    assert collected["test_plain"] == ["Art 18"]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("compliance", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_text_report_names_services_and_tests_and_ends_with_the_summary(tmp_path):
    out, _ = run("--root", str(tree(tmp_path, SERVICE, TEST)))
    lines = out.splitlines()
    heads = [line for line in lines if line.startswith("Art ")]
    assert [int(line.split("\t")[0].split()[1]) for line in heads] == list(range(1, 38))
    start = lines.index("Art 24\t第3章 社会信用信息管理与应用\timplemented")
    assert lines[start + 1 : start + 3] == [
        "    service  xinyong.lists.services (list_entry_notify)",
        "    test     tests/lists/test_lists.py::test_the_notice_is_served",
    ]
    assert "Art 25\t第3章 社会信用信息管理与应用\tmissing: no service and no test" in lines
    art26 = next(line for line in heads if line.startswith("Art 26\t"))
    assert art26 == f"Art 26\t第3章 社会信用信息管理与应用\tno software duty: {no_software_duty()[26]}"
    assert lines[-1] == "articles: 37, implemented: 2, missing: 22, no software duty: 13"


def test_the_json_report_has_one_entry_per_article_with_services_tests_and_reasons(tmp_path):
    out, _ = run("--root", str(tree(tmp_path, SERVICE, TEST)), "--format", "json")
    data = json.loads(out)
    assert data["regulation"] == "承德市社会信用促进条例"
    assert data["summary"] == {"articles": 37, "implemented": 2, "missing": 22, "no_software_duty": 13}
    assert [a["number"] for a in data["articles"]] == list(range(1, 38))
    by_number = {a["number"]: a for a in data["articles"]}
    assert by_number[24] == {
        "number": 24,
        "chapter": 3,
        "chapter_title": "社会信用信息管理与应用",
        "status": "implemented",
        "services": [
            {"module": "xinyong.lists.services", "path": "xinyong/lists/services.py", "functions": ["list_entry_notify"]}
        ],
        "tests": [{"path": "tests/lists/test_lists.py", "test": "test_the_notice_is_served"}],
        "no_duty_reason": None,
        "lacking": [],
    }
    assert by_number[22]["tests"] == [{"path": "tests/lists/test_lists.py", "test": None}]
    assert by_number[27]["status"] == "missing" and by_number[27]["lacking"] == ["service", "test"]
    assert by_number[1]["status"] == "no_software_duty"
    assert by_number[1]["no_duty_reason"] == "purpose and legal basis of the regulation"


def test_the_report_exits_0_with_missing_articles_and_strict_exits_1(tmp_path):
    root = str(tree(tmp_path, SERVICE, TEST))
    run("--root", root)
    with pytest.raises(CommandError) as excinfo:
        run("--root", root, "--strict")
    assert excinfo.value.returncode == 1


def test_strict_passes_once_every_article_with_a_duty_has_a_service_and_a_test(tmp_path):
    duty = [a.number for a in regulation_text()[1] if a.number not in NO_DUTY_ARTICLES]
    articles = ", ".join(f'"Art {n}"' for n in duty)
    root = tree(
        tmp_path,
        f"IMPLEMENTS = ({articles})\n",
        f"import pytest\n\npytestmark = pytest.mark.articles({articles})\n\n\ndef test_x():\n    pass\n",
    )
    out, _ = run("--root", str(root), "--strict")
    assert out.splitlines()[-1] == "articles: 37, implemented: 24, missing: 0, no software duty: 13"


def test_invalid_declarations_exit_2_listing_each_error_and_write_no_report(tmp_path):
    root = tree(tmp_path, 'IMPLEMENTS = ("Art 38",)\n', 'import pytest\n\npytestmark = pytest.mark.articles("Art 1")\n')
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("compliance", "--root", str(root), "--format", "json", stdout=out, stderr=err)
    assert excinfo.value.returncode == 2
    assert out.getvalue() == ""
    assert err.getvalue().splitlines() == [
        "tests/lists/test_lists.py:3: Art 1 is listed as placing no duty on the software (no_software_duty.toml): "
        "remove the declaration or the entry",
        "xinyong/lists/services.py:1: 'Art 38': the 承德市社会信用促进条例 has no article 38",
    ]


def test_the_projects_own_declarations_are_valid_and_unbuilt_articles_are_missing():
    report = compliance_report(Path(settings.BASE_DIR))
    assert messages(report) == []
    status = {row.number: row.status for row in report.articles}
    # Government integrity (Art 9–11), judicial credibility and practitioners' files (Art 14), graded
    # supervision (Art 27) and the fines on credit service bodies (Art 34) are not built: a citation, a
    # parameter file or a docstring does not make them implemented.
    assert {n for n, s in status.items() if s == MISSING} == {9, 10, 11, 14, 27, 34}
    assert {n for n, s in status.items() if s == NO_DUTY} == NO_DUTY_ARTICLES
    assert all(row.services and row.tests for row in report.articles if row.status == IMPLEMENTED)
