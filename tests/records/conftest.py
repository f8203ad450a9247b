import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingestion"))

from ingestion_fixtures import catalog, penalty, provider  # noqa: F401
