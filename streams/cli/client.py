"""A small HTTP client for the clipstream API, used by ``clipstream process``, the tests and
the benchmarks. Uploads are streamed from disk; API errors raise ``ApiCallFailed`` with the
server's code and message."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import httpx

from streams.errors import ApiCallFailed, ApiUnreachable


class Client:
    def __init__(self, base_url: str, api_key: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=timeout
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def call(self, method: str, path: str, **kwargs) -> dict:
        """``method`` on the API's ``path``: its JSON answer (``{}`` for 204); ``ApiCallFailed`` for an
        error answer, ``ApiUnreachable`` when the API does not answer."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiUnreachable(
                f"the API at {self.base_url} is not reachable ({exc}); start it with: clipstream stack up --app"
            ) from None
        if response.status_code >= 400:
            self._raise_for(response)
        return {} if response.status_code == 204 else response.json()

    @staticmethod
    def _raise_for(response: httpx.Response) -> None:
        try:
            error = response.json()["error"]
            raise ApiCallFailed(response.status_code, error["code"], error["message"])
        except (ValueError, KeyError, TypeError):
            raise ApiCallFailed(response.status_code, "http_error", response.text[:300]) from None

    def submit(self, path: Path, **options) -> dict:
        """Upload a file (streamed from disk) with processing options; returns the 202 body."""
        data = {
            k: (",".join(v) if isinstance(v, (list, tuple)) else str(v)) for k, v in options.items() if v is not None
        }
        with open(path, "rb") as f:
            return self.call("POST", "/v1/videos", files={"file": (path.name, f)}, data=data)

    def submit_url(self, url: str, **options) -> dict:
        """Submit a video the worker downloads from ``url``; returns the 202 body."""
        given = {k: v for k, v in options.items() if v is not None}
        return self.call("POST", "/v1/videos", json={"source_url": url, "options": given})

    def video(self, video_id: str) -> dict:
        return self.call("GET", f"/v1/videos/{video_id}")

    def transcript(self, video_id: str) -> dict:
        return self.call("GET", f"/v1/videos/{video_id}/transcript")

    def moments(self, video_id: str) -> dict:
        return self.call("GET", f"/v1/videos/{video_id}/moments")

    def delete(self, path: str) -> None:
        """Delete what ``path`` names (``/v1/videos/{id}``, ``/v1/clips/{id}``); ``ApiCallFailed`` if refused."""
        self.call("DELETE", path)

    def me(self) -> dict:
        return self.call("GET", "/v1/me")

    def clips(self, video_id: str) -> dict:
        return self.call("GET", f"/v1/videos/{video_id}/clips")

    def download_timeline(self, path: str, dest: Path, fmt: str, media_root: str | None = None) -> Path:
        """Stream the timeline bundle at ``path`` (``/v1/videos/{id}/timeline`` or a clip's) in
        format ``fmt`` into the zip file ``dest``."""
        params = {"format": fmt, "bundle": "zip", **({"media_root": media_root} if media_root else {})}
        try:
            with self.http.stream("GET", path, params=params) as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise_for(response)
                with open(dest, "wb") as out:
                    for chunk in response.iter_bytes(1 << 20):
                        out.write(chunk)
        except httpx.TransportError as exc:
            raise ApiUnreachable(f"the API at {self.base_url} is not reachable ({exc})") from None
        return dest

    def wait(
        self,
        video_id: str,
        timeout: float = 3600.0,
        poll: float = 0.5,
        on_progress: Callable[[dict], None] | None = None,
    ) -> dict:
        """Poll until the video is completed or failed; returns its last state."""
        deadline = time.monotonic() + timeout
        while True:
            video = self.video(video_id)
            if on_progress:
                on_progress(video)
            if video["status"] in ("completed", "failed"):
                return video
            if time.monotonic() > deadline:
                raise ApiCallFailed(408, "wait_timeout", f"video {video_id} did not finish in {timeout:.0f} s")
            time.sleep(poll)
