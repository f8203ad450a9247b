import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS / "ingestion"))
sys.path.insert(0, str(TESTS / "lists"))

from lists_fixtures import render_notices_fast  # noqa: E402, F401
