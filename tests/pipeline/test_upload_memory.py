"""A 2 GB upload streams through the API: its resident memory grows by less than 100 MB."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from streams.stack.credentials import api_key_for
from tests.processes import rss_bytes

pytestmark = pytest.mark.integration

SIZE = 2 * 1024**3
PIECE = 4 * 1024 * 1024


def test_a_2_gb_upload_keeps_the_api_resident_memory_flat(pipeline):
    pid = pipeline.api.running().pid
    boundary = "clipstream-memory-test"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    piece = bytes(range(256)) * (PIECE // 256)

    def body():
        yield head
        for _ in range(SIZE // PIECE):
            yield piece
        yield tail

    before = rss_bytes(pid)
    peak = before
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_bytes(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    try:
        with httpx.Client(base_url=pipeline.settings.api_url, timeout=600) as client:
            response = client.post(
                "/v1/videos", content=body(),
                headers={"Authorization": f"Bearer {api_key_for(pipeline.settings)}",
                         "Content-Type": f"multipart/form-data; boundary={boundary}",
                         "Content-Length": str(len(head) + SIZE + len(tail))})
    finally:
        done.set()
        sampler.join()
    seconds = time.monotonic() - started
    assert response.status_code == 202, response.text
    assert response.json()["size_bytes"] == SIZE
    growth = peak - before
    print(f"2 GB upload in {seconds:.1f} s ({SIZE / seconds / 1e6:.0f} MB/s); API RSS {before / 1e6:.0f} MB "
          f"-> peak {peak / 1e6:.0f} MB (+{growth / 1e6:.1f} MB)")
    assert growth < 100 * 1024 * 1024, f"the API's resident memory grew by {growth / 1e6:.0f} MB"
    # The bytes are not media: that video fails on its own; remove it and its 2 GB.
    video_id = response.json()["video_id"]
    pipeline.client.wait(video_id, timeout=300)
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=60) as client:
        gone = client.delete(f"/v1/videos/{video_id}",
                             headers={"Authorization": f"Bearer {api_key_for(pipeline.settings)}"})
    assert gone.status_code == 204
