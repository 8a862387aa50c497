"""The worker's scratch copies of clips for posts: a copy nobody touched for a day is left over
(a post retried on another worker) and goes; fresh ones stay."""

from __future__ import annotations

import os
import time

from streams.agents.publishing import SCRATCH_DAYS, prune


def test_copies_untouched_for_a_day_are_removed_and_fresh_ones_kept(tmp_path):
    now = time.time()
    old, fresh, partial = tmp_path / "pst_old.mp4", tmp_path / "pst_new.mp4", tmp_path / "pst_half.part"
    for path in (old, fresh, partial):
        path.write_bytes(b"clip")
    os.utime(old, (now - SCRATCH_DAYS * 86400 - 60,) * 2)
    os.utime(partial, (now - SCRATCH_DAYS * 86400 - 60,) * 2)  # a download that died with its worker
    (tmp_path / "folder").mkdir()
    gone = prune(tmp_path, SCRATCH_DAYS * 86400, now)
    assert sorted(gone) == sorted([old, partial])
    assert fresh.exists() and not old.exists() and not partial.exists() and (tmp_path / "folder").is_dir()


def test_a_scratch_space_not_made_yet_has_nothing_to_remove(tmp_path):
    assert prune(tmp_path / "posts", 60, time.time()) == []
