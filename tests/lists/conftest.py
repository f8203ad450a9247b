import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lists_fixtures import (  # noqa: F401
    authority,
    clerk,
    company,
    department,
    implementer,
    render_notices_fast,
)
