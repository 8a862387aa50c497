"""The end-to-end part of scripts/deploy_check.sh, run on the host against the compose stack it
brought up: ``python -m tests.deploy.stack_check --project P --api URL --s3 URL --env-file F ...``.

It checks, in order, and stops at the first failure with what it saw:
1. the one-shot ``migrate`` container exited 0 after applying the schemas and creating topics and bucket;
2. the API answers (it starts only when ``clipstream wait`` saw its needs ready);
3. a tenant and key made inside the API container (``clipstream tenants create``);
4. a webhook endpoint pointing at a receiver on this host (reached from the containers as
   ``host.containers.internal``);
5. a real talk (LJSpeech over a portrait, 222 s) uploaded, processed by the agent containers and
   Triton, completed with clips;
6. a signed ``video.completed`` delivery at the receiver, its signature valid under the
   endpoint's secret;
7. a search for a word of the talk finding it (the search agent, Meilisearch);
8. every file of every clip in MinIO (``tests.checks.clip_object_keys``), each clip video read back
   through the published S3 port and probed with ffprobe.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from tests.checks import clip_object_keys

REPO = Path(__file__).resolve().parents[2]
MEDIA = REPO.parent / "shared" / "media"


class Failed(Exception):
    pass


def step(name: str, started: float) -> None:
    print(f"stack-check [{time.monotonic() - started:5.0f}s]: {name}", flush=True)


def container(project: str, service: str) -> str:
    return f"{project}_{service}_1"


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {k: v for k, v in pairs}


def podman(*args: str) -> str:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise Failed(f"podman {' '.join(args)}: {result.stderr.strip()[-500:]}")
    return result.stdout


def wait_for(what: str, check, timeout: float, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            found = check()
            if found:
                return found
        except (httpx.HTTPError, Failed) as exc:
            last = exc
        time.sleep(interval)
    raise Failed(f"{what}: not within {timeout:.0f} s" + (f" (last: {last})" if last else ""))


class Receiver:
    """Webhook deliveries, as a customer's endpoint would take them: every POST recorded, 204."""

    def __init__(self, port: int) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", required=True)
    parser.add_argument("--api", required=True, help="the API's published URL")
    parser.add_argument("--s3", required=True, help="MinIO's published S3 URL")
    parser.add_argument("--env-file", type=Path, required=True, help="the stack's .env (bucket and MinIO credentials)")
    parser.add_argument("--receiver-port", type=int, required=True)
    parser.add_argument("--video", type=Path, default=None, help="the talk (default: LJSpeech over a portrait)")
    parser.add_argument("--timeout", type=float, default=1500.0, help="seconds for the stack to start and the talk to finish")
    args = parser.parse_args()
    started = time.monotonic()
    try:
        run(args, started)
    except Failed as exc:
        print(f"stack-check: FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    step("all checks passed", started)
    return 0


def run(args: argparse.Namespace, started: float) -> None:
    settings = env_file(args.env_file)
    with tempfile.TemporaryDirectory() as tmp:
        video = args.video if args.video and args.video.is_file() else _talk(Path(tmp))
        step(f"talk: {video.name}", started)

        exit_code = wait_for("migrate to finish", lambda: _exited(args.project, "migrate"), 600)
        log = podman("logs", container(args.project, "migrate"))
        if exit_code != "0":
            raise Failed(f"migrate exited {exit_code}:\n{log[-1500:]}")
        step("migrate: " + "; ".join(line.strip() for line in log.splitlines() if line.startswith(("postgres", "kafka", "storage", "clickhouse"))), started)

        wait_for("the API", lambda: httpx.get(f"{args.api}/healthz", timeout=5).status_code == 200, 900)
        step("API up", started)

        made = json.loads(podman("exec", container(args.project, "api"), "clipstream", "tenants", "create", "deploy-check", "--json"))
        http = httpx.Client(base_url=args.api, headers={"Authorization": f"Bearer {made['api_key']['key']}"}, timeout=60)
        step(f"tenant {made['tenant_id']}", started)

        receiver = Receiver(args.receiver_port)
        try:
            answer = http.post("/v1/webhooks/endpoints", json={"url": f"http://host.containers.internal:{args.receiver_port}/hook",
                                                               "description": "deploy check"})
            if answer.status_code != 201:
                raise Failed(f"webhook endpoint: {answer.status_code} {answer.text[:300]}")
            secret = answer.json()["secret"]
            step("webhook endpoint registered", started)

            video_id = _process(http, video, args.timeout, started)
            _webhook(receiver, secret, video_id, started)
        finally:
            receiver.close()
        _search(http, video_id, started)
        _clips_from_minio(http, args.s3, settings, made["tenant_id"], video_id, Path(tmp), started)


def _talk(out: Path) -> Path:
    from tests.media_recipes import ljspeech_talk

    return ljspeech_talk(MEDIA, out)


def _exited(project: str, service: str) -> str | None:
    state = podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", container(project, service)).split()
    return state[1] if state[0] == "exited" else None


def _process(http: httpx.Client, video: Path, timeout: float, started: float) -> str:
    with video.open("rb") as f:
        answer = http.post("/v1/videos", files={"file": (video.name, f)}, data={"clip_count": "2"})
    if answer.status_code != 202:
        raise Failed(f"upload: {answer.status_code} {answer.text[:300]}")
    video_id = answer.json()["video_id"]
    step(f"uploaded: video {video_id}", started)

    def finished():
        status = http.get(f"/v1/videos/{video_id}").json()
        return status if status["status"] in ("completed", "failed") else None

    status = wait_for(f"video {video_id} to finish", finished, timeout, interval=5)
    if status["status"] != "completed":
        raise Failed(f"video {video_id} failed: {status.get('error')}")
    clips = http.get(f"/v1/videos/{video_id}/clips").json()["clips"]
    if not clips:
        raise Failed(f"video {video_id} completed with no clips")
    step(f"completed with {len(clips)} clips: " + "; ".join(
        f"{c.get('title', '')!r} {c.get('start', 0):.1f}-{c.get('end', 0):.1f}s" for c in clips), started)
    return video_id


def _webhook(receiver: Receiver, secret: str, video_id: str, started: float) -> None:
    from standardwebhooks import Webhook

    def completed():
        for headers, body in receiver.deliveries:
            event = json.loads(body)
            if event.get("type") == "video.completed" and event.get("data", {}).get("video_id") == video_id:
                return headers, body
        return None

    headers, body = wait_for("a video.completed delivery", completed, 120)
    Webhook(secret).verify(body, headers)  # raises on a bad signature
    kinds = sorted({json.loads(b).get("type") for _, b in receiver.deliveries})
    step(f"webhook: video.completed delivered, signature valid ({len(receiver.deliveries)} deliveries: {', '.join(kinds)})", started)


def _search(http: httpx.Client, video_id: str, started: float) -> None:
    def found():
        hits = http.get("/v1/search", params={"q": "printing"}).json()
        return [h for h in hits.get("hits", hits.get("results", [])) if h.get("video_id") == video_id]

    hits = wait_for("a search hit for 'printing'", found, 120)
    step(f"search: 'printing' finds the talk ({len(hits)} hits)", started)


def _clips_from_minio(http: httpx.Client, endpoint: str, settings: dict[str, str], tenant_id: str, video_id: str,
                      tmp: Path, started: float) -> None:
    """Every file each clip must have (video, captions, thumbnail, editor hand-off) is in MinIO; each
    video is read back and probed."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=settings.get("MINIO_ROOT_USER", "clipstream"),
                      aws_secret_access_key=settings["MINIO_ROOT_PASSWORD"], region_name="us-east-1")
    bucket = settings.get("S3_BUCKET", "clipstream")
    stored = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
              for o in page.get("Contents", [])}
    clips = http.get(f"/v1/videos/{video_id}/clips").json()["clips"]
    expected = clip_object_keys(tenant_id, video_id, [c["clip_id"] for c in clips])
    if expected - stored:
        raise Failed(f"MinIO lacks {sorted(expected - stored)} of the {len(clips)} clips' files")
    videos = sorted(k for k in expected if k.endswith(".mp4"))
    lines = []
    for key in videos:
        path = tmp / key.rsplit("/", 1)[-1]
        s3.download_file(bucket, key, str(path))
        probe = json.loads(subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_type,width,height", "-of", "json",
             str(path)], capture_output=True, text=True, check=True).stdout)
        kinds = sorted(s["codec_type"] for s in probe["streams"])
        if kinds != ["audio", "video"] or float(probe["format"]["duration"]) < 5:
            raise Failed(f"{key}: not a clip with sound and picture: {probe}")
        size = next(f"{s['width']}x{s['height']}" for s in probe["streams"] if s["codec_type"] == "video")
        lines.append(f"{key.rsplit('/', 1)[-1]} {float(probe['format']['duration']):.1f}s {size} {path.stat().st_size // 1024} KiB")
    step(f"MinIO: {len(videos)} clip files read back: " + "; ".join(lines), started)


if __name__ == "__main__":
    sys.exit(main())
