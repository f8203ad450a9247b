import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent / "ingestion", HERE.parent / "lists"):
    sys.path.insert(0, str(folder))

from ingestion_fixtures import catalog, penalty, provider  # noqa: E402, F401
from lists_fixtures import authority, clerk, render_notices_fast  # noqa: E402, F401
from notification_fixtures import send, smtp, subject_account  # noqa: E402, F401
