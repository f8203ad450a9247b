"""System check: the parameter files must load, so a malformed rule stops start-up instead of a decision."""

from __future__ import annotations

from django.core import checks


@checks.register()
def check_parameter_files(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from xinyong.regulation.parameters import ParameterFileError, load_parameters

    try:
        load_parameters()
    except ParameterFileError as exc:
        return [
            checks.Error(str(exc), id="regulation.E001", hint="See docs/operations/regulation-registry.md.")
        ]
    return []


@checks.register()
def check_repair_rules(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The credit repair rules (Art 31) must load too: a doubtful eligibility rule stops start-up."""
    from xinyong.regulation.parameters import ParameterFileError
    from xinyong.regulation.repair_rules import load_repair_rules

    try:
        load_repair_rules()
    except ParameterFileError as exc:
        return [checks.Error(str(exc), id="regulation.E002", hint="See docs/operations/regulation-registry.md.")]
    return []
