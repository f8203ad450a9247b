"""Parameters are dated, referenced files; lookups pick the value in force (registry items A.2, A.3).

Scenarios are named as sentences and cover the day before and the day a new value takes effect
(OpenFisca habit).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from django.core import checks

from xinyong.regulation.choices import ParameterUnit
from xinyong.regulation.models import Article
from xinyong.regulation.parameters import (
    PARAMETERS_DIR,
    ParameterError,
    ParameterFileError,
    all_parameters,
    compute_rule_version,
    decision_basis,
    load_parameters,
    parameter,
    rule_version,
)

pytestmark = pytest.mark.smoke

DAY_BEFORE_NEW_MEASURES = dt.date(2026, 3, 31)
NEW_MEASURES = dt.date(2026, 4, 1)  # NDRC credit repair measures in force (domain facts §4)


def write(directory: Path, relative: str, text: str) -> Path:
    path = directory / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD_FILE = """
description = "示例"
unit = "working_days"

[values."2024-05-01"]
value = 5
reference = "{cite}{article}"

[values."2025-01-01"]
value = 7
reference = {{ title = "某规定", article = "第三条" }}
note = "[ours]"

[values."2026-01-01"]
ended = true
reference = {{ title = "某决定", article = "第一条" }}
"""


# How a parameter file cites an article of the regulation ("Art N").
CITE = "Art" + " "
ART_REF = f'reference = "{CITE}28"'


def good_file(article: int = 28) -> str:
    return GOOD_FILE.format(cite=CITE, article=article)


# --- every value is referenced --------------------------------------------------------------------------


def test_every_parameter_value_has_a_reference_and_a_known_unit():
    parameters = all_parameters()
    assert len(parameters) >= 25
    for name, definition in parameters.items():
        assert definition.unit in ParameterUnit.values, name
        assert definition.description, name
        for entry in definition.entries:
            assert entry.references, f"{name} {entry.effective_from}"
            for ref in entry.references:
                # An article of this regulation, or another text by title (its article where known).
                assert ref.article is not None or ref.title, f"{name} {entry.effective_from}"


@pytest.mark.django_db
def test_every_article_reference_cites_an_article_of_the_regulation():
    numbers = set(Article.objects.values_list("number", flat=True))
    assert numbers == set(range(1, 38))
    cited = {
        ref.article
        for definition in all_parameters().values()
        for entry in definition.entries
        for ref in entry.references
        if ref.article is not None
    }
    assert cited
    assert cited <= numbers


def test_defaults_we_chose_ourselves_are_marked_as_ours():
    for name in (
        "objection.mark_deadline",
        "objection.decision_deadline",
        "objection.extension_maximum",
        "retention.query_log",
        "accounts.password_pbkdf2_iterations",
    ):
        assert "[ours]" in parameter(name, dt.date(2026, 6, 1)).note, name


# --- the seeded values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "unit"),
    [
        ("publication.general_penalty_minimum", 3, "months"),
        ("publication.general_penalty_maximum", 12, "months"),
        ("publication.serious_penalty_minimum", 12, "months"),
        ("publication.serious_penalty_maximum", 36, "months"),
        ("publicity.double_publicity_deadline", 7, "working_days"),
        ("objection.mark_deadline", 0, "working_days"),
        ("objection.decision_deadline", 5, "working_days"),
        ("objection.extension_maximum", 10, "working_days"),
        ("objection.extensions_allowed", 1, "count"),
        ("correction.revoked_basis_removal_deadline", 3, "working_days"),
        ("repair.decision_deadline", 3, "working_days"),
        ("repair.decision_extension", 3, "working_days"),
        ("retention.negative_information", 5, "years"),
        ("retention.query_log", 5, "years"),
        ("accounts.lockout_threshold", 5, "count"),
        ("accounts.lockout_window", 15, "minutes"),
        ("accounts.lockout_duration", 30, "minutes"),
        ("sessions.staff_idle_timeout", 15, "minutes"),
        ("sessions.citizen_idle_timeout", 30, "minutes"),
        ("sessions.absolute_timeout", 480, "minutes"),
        ("accounts.password_pbkdf2_iterations", 150_000, "count"),
        ("fines.organization_minimum", 50_000, "yuan"),
        ("fines.organization_maximum", 100_000, "yuan"),
        ("fines.organization_serious_minimum", 100_000, "yuan"),
        ("fines.organization_serious_maximum", 300_000, "yuan"),
        ("fines.individual_minimum", 10_000, "yuan"),
        ("fines.individual_maximum", 30_000, "yuan"),
        ("fines.individual_serious_minimum", 30_000, "yuan"),
        ("fines.individual_serious_maximum", 100_000, "yuan"),
    ],
)
def test_the_seeded_value_in_force_in_mid_2026(name, value, unit):
    found = parameter(name, dt.date(2026, 6, 1))
    assert (found.value, found.unit) == (value, unit)


def test_the_password_iterations_stay_at_or_above_the_required_minimum():
    assert parameter("accounts.password_pbkdf2_iterations").value >= 100_000


def test_the_fines_cite_article_34_of_the_regulation():
    for name in all_parameters():
        if name.startswith("fines."):
            assert [str(r) for r in parameter(name, dt.date(2024, 5, 1)).reference] == ["Art 34"]


# --- scenarios around a change --------------------------------------------------------------------------


def test_on_the_day_before_the_new_measures_the_general_minimum_period_is_still_one_year():
    found = parameter("publication.general_penalty_minimum", DAY_BEFORE_NEW_MEASURES)
    assert found.value == 12
    assert found.effective_from == dt.date(2023, 5, 1)
    assert found.until == NEW_MEASURES
    assert "第58号" in str(found.reference[-1])


def test_on_the_day_the_new_measures_take_effect_the_general_minimum_period_is_three_months():
    found = parameter("publication.general_penalty_minimum", NEW_MEASURES)
    assert found.value == 3
    assert found.effective_from == NEW_MEASURES
    assert found.until is None


def test_on_the_day_the_new_measures_take_effect_the_general_maximum_drops_to_one_year():
    assert parameter("publication.general_penalty_maximum", DAY_BEFORE_NEW_MEASURES).value == 36
    assert parameter("publication.general_penalty_maximum", NEW_MEASURES).value == 12


def test_before_order_58_took_effect_no_publication_period_is_in_force():
    with pytest.raises(ParameterError) as info:
        parameter("publication.general_penalty_minimum", dt.date(2023, 4, 30))
    assert info.value.code == "parameter_not_in_force"
    assert "2023-04-30" in str(info.value.message)


def test_a_datetime_is_looked_up_on_its_beijing_date():
    from zoneinfo import ZoneInfo

    # 2026-03-31 17:00 UTC is already 1 April in Beijing.
    moment = dt.datetime(2026, 3, 31, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert parameter("publication.general_penalty_minimum", moment).value == 3


def test_an_unknown_parameter_is_refused_with_a_clear_error():
    with pytest.raises(ParameterError) as info:
        parameter("objection.no_such_thing")
    assert info.value.code == "unknown_parameter"
    assert "objection.no_such_thing" in str(info.value.message)


# --- decisions record what they used --------------------------------------------------------------------


def test_a_decision_basis_names_the_values_and_the_rule_version():
    basis = decision_basis(
        "objection.decision_deadline", "publication.general_penalty_minimum", on=NEW_MEASURES
    )
    assert basis == {
        "parameters": {"objection.decision_deadline": 5, "publication.general_penalty_minimum": 3},
        "rule_version": rule_version(),
    }
    assert len(basis["rule_version"]) == 16
    assert int(basis["rule_version"], 16) >= 0


def test_the_rule_version_is_stable_and_changes_with_any_parameter_file(tmp_path):
    copy = tmp_path / "parameters"
    shutil.copytree(PARAMETERS_DIR, copy)
    assert compute_rule_version(copy) == rule_version() == compute_rule_version(PARAMETERS_DIR)
    target = copy / "objection" / "decision_deadline.toml"
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert compute_rule_version(copy) != rule_version()


@pytest.mark.django_db
def test_the_parameter_files_pass_the_system_check():
    assert [m for m in checks.run_checks() if m.id == "regulation.E001"] == []


# --- the file format ------------------------------------------------------------------------------------


def test_a_value_is_ended_by_a_dated_entry_marked_ended(tmp_path):
    write(tmp_path, "area/thing.toml", good_file())
    definition = load_parameters(tmp_path, articles=range(1, 38)).parameters["area.thing"]
    assert definition.entry_on(dt.date(2025, 12, 31))[0].value == 7
    assert definition.entry_on(dt.date(2026, 1, 1))[0].ended


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (good_file(38), "no article 38"),
        (good_file().replace(ART_REF, ""), "needs a reference"),
        (good_file().replace(ART_REF, 'reference = "Article 28"'), "'Art N'"),
        (good_file().replace('title = "某规定", ', ""), "external reference"),
        (good_file().replace('article = "第三条"', 'article = " "'), "leave it out to cite by name"),
        (good_file().replace('article = "第三条"', 'section = "第三条"'), "external reference"),
        (good_file().replace("working_days", "fortnights"), "unit must be one of"),
        (good_file().replace("2024-05-01", "2024-13-01"), "ISO date"),
        (good_file().replace("value = 5", 'value = "five"'), "must be a number"),
        (good_file().replace("ended = true", "ended = true\nvalue = 1"), "either a value"),
    ],
)
def test_a_malformed_parameter_file_is_refused_with_the_reason(tmp_path, text, problem):
    write(tmp_path, "area/thing.toml", text)
    with pytest.raises(ParameterFileError, match=problem):
        load_parameters(tmp_path, articles=range(1, 38))


def test_a_text_whose_article_is_not_known_is_cited_by_name_alone(tmp_path):
    write(tmp_path, "area/thing.toml", good_file().replace(', article = "第三条"', ""))
    entry = load_parameters(tmp_path, articles=range(1, 38)).parameters["area.thing"].entries[1]
    assert [r.citation for r in entry.references] == ["《某规定》"]
    assert entry.platform_setting  # its note starts with "[ours]"


def test_parameter_files_must_sit_at_area_slash_name(tmp_path):
    write(tmp_path, "thing.toml", good_file())
    with pytest.raises(ParameterFileError, match=re.escape("<area>/<name>.toml")):
        load_parameters(tmp_path, articles=range(1, 38))
