"""Fixtures of the rights tests (objections, repair, deadlines, pages). The shared ones live in
`rights_fixtures` (imported by module name: `conftest` is ambiguous across test folders); add new shared
fixtures there or below."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rights_fixtures import (  # noqa: F401
    account,
    authority,
    catalog,
    clerk,
    company,
    file_penalty,
    penalty,
    provider,
    record,
    render_notices_fast,
    submitter,
)
from rights_page_fixtures import console_client_for, other_record, pdf_upload, portal_client  # noqa: F401
