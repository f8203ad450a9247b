"""Fixtures of the report tests, from report_fixtures (a module of its own name: every test directory has a
conftest, so helpers are imported from report_fixtures, never from conftest)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_fixtures import (  # noqa: F401
    _public_url,
    account_for,
    bank,
    bank_analyst,
    catalog,
    company,
    file_records,
    grant,
    issue,
    penalty,
    person,
    provider,
)
