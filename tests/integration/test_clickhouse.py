"""An insert and a query through clickhouse-connect's embedded engine (chdb)."""

import pytest

from streams.adapters.analytics import connect

pytestmark = pytest.mark.integration


def test_insert_and_query_through_embedded_engine(stack, tmp_path):
    settings = stack.with_overrides(clickhouse_path=tmp_path / "ch")
    client = connect(settings)
    try:
        client.command(
            "CREATE TABLE IF NOT EXISTS stage_events (video_id String, stage LowCardinality(String), "
            "seconds Float64) ENGINE = MergeTree ORDER BY (video_id, stage)"
        )
        client.insert(
            "stage_events",
            [["v1", "transcribe", 12.5], ["v1", "render", 3.0], ["v2", "transcribe", 7.5]],
            column_names=["video_id", "stage", "seconds"],
        )
        rows = client.query(
            "SELECT stage, count(), sum(seconds) FROM stage_events GROUP BY stage ORDER BY stage"
        ).result_rows
    finally:
        client.close()
    assert rows == [("render", 1, 3.0), ("transcribe", 2, 20.0)]
    assert (tmp_path / "ch").is_dir() and any((tmp_path / "ch").iterdir())
