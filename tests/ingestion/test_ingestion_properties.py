"""Nothing is lost: received = accepted + rejected + duplicates for any mix of rows (Art 18)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingestion_fixtures import penalty_row, person_row, write_csv

from xinyong.ingestion.models import Batch
from xinyong.ingestion.pipeline import ingest_file

pytestmark = [pytest.mark.django_db, pytest.mark.smoke, pytest.mark.articles("Art 18")]

_files = itertools.count(1)
BAD = [{"违法事实": ""}, {"罚款金额（万元）": "-1"}, {"处罚决定日期": "明天"}, {"行政相对人类别": "未知"},
       {"处罚类别": "简易程序"}, {"证件号码": "123"}]
KINDS = st.sampled_from(["good", "person", "bad", "dup_in_file", "dup_of_stored"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(KINDS, min_size=1, max_size=25), bad_choice=st.integers(0, len(BAD) - 1))
def test_every_row_is_accepted_rejected_or_a_duplicate(tmp_path, penalty, provider, kinds, bad_choice):
    stored = penalty_row(provider.uscc)
    ingest_file(path_or_stream=write_csv(tmp_path / f"seed{next(_files)}.csv", [stored]),
                item_code="admin-penalty", provider=provider)
    rows, expected = [], {"accepted": 0, "rejected": 0, "duplicates": 0}
    for kind in kinds:
        if kind == "good":
            rows.append(penalty_row(provider.uscc))
            expected["accepted"] += 1
        elif kind == "person":
            rows.append(person_row(provider.uscc))
            expected["accepted"] += 1
        elif kind == "bad":
            bad = BAD[bad_choice]
            rows.append(person_row(provider.uscc, **bad) if "证件号码" in bad else penalty_row(provider.uscc, **bad))
            expected["rejected"] += 1
        elif kind == "dup_in_file" and rows and expected["accepted"]:
            good = next(r for r in rows if r.get("违法事实") and r["罚款金额（万元）"] == "1" and r["处罚类别"] == "罚款"
                        and r["行政相对人类别"] != "未知" and r["处罚决定日期"] != "明天" and r["证件号码"] != "123")
            rows.append(dict(good))
            expected["duplicates"] += 1
        else:
            rows.append(dict(stored))
            expected["duplicates"] += 1
    result = ingest_file(path_or_stream=write_csv(tmp_path / f"mix{next(_files)}.csv", rows),
                         item_code="admin-penalty", provider=provider)
    assert result.received == len(rows)
    assert result.received == result.accepted + result.rejected + result.duplicates
    assert {"accepted": result.accepted, "rejected": result.rejected, "duplicates": result.duplicates} == expected
    batch = Batch.objects.get(pk=result.batch)
    assert batch.received == batch.accepted + batch.rejected + batch.duplicates
