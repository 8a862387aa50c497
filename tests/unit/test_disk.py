"""What MinIO will still store on the disk under the stack (streams.stack.disk)."""

from __future__ import annotations

from streams.stack import disk


def test_minio_never_writes_the_last_percent_of_the_disk():
    r = disk.Room(total=250 * 10**9, free=4 * 10**9)
    assert r.minio_floor == 2_500_000_000
    assert r.usable == 1_500_000_000
    assert disk.Room(total=250 * 10**9, free=10**9).usable == 0


def test_the_report_warns_when_minio_would_store_less_than_a_run_needs(tmp_path):
    here = disk.room(tmp_path)
    assert here.total > 0 and 0 <= here.free <= here.total
    enough = disk.report(tmp_path, needed=0)
    assert enough.startswith("disk: ") and "WARNING" not in enough
    # a gigabyte past what MinIO would store: the disk is shared, and what others free between the
    # two measurements must not turn "short" into "enough"
    short = disk.report(tmp_path, needed=here.usable + 10**9)
    assert short.startswith("WARNING disk: ") and "507 Insufficient Storage" in short


def test_a_path_not_made_yet_is_measured_where_it_will_be(tmp_path):
    assert disk.room(tmp_path / "not" / "yet").total == disk.room(tmp_path).total
