"""``clipstream process`` and ``clipstream export``: a video through the API, and its clips' editor timelines."""

from __future__ import annotations

import argparse
import json
import sys

from streams.settings import Settings


def cmd_process(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from streams.adapters.storage import open_storage
    from streams.cli.client import Client
    from streams.cli.console import ProgressView, clip_files, clips_table, result_json

    if args.path is None:
        from streams.media.demo import build_demo_video

        if not args.json:
            print("process: no file given; building the demo talking-head video", file=sys.stderr)
        path = build_demo_video(settings.data_dir / "demo")
    elif args.path.lower().startswith(("http://", "https://")):
        path = None
    else:
        path = Path(args.path)
        if not path.is_file():
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
    options = {
        "clip_count": args.clips,
        "aspect_ratios": args.aspect,
        "caption_style": args.captions,
        "length": args.length,
        "framing": args.framing,
        "trim": args.trim,
        "hook_title": args.hook_title,
        "emphasis": args.emphasis,
        "emoji": args.emoji,
    }
    from streams.stack.credentials import api_key_for

    with Client(settings.api_url, api_key_for(settings)) as client:
        accepted = client.submit(path, **options) if path else client.submit_url(args.path, **options)
        video_id = accepted["video_id"]
        name = path.name if path else args.path
        if not args.wait:
            print(
                json.dumps({"video_id": video_id, "status": accepted["status"]})
                if args.json
                else f"submitted {name}: video {video_id} (follow it with --wait, or GET /v1/videos/{video_id})"
            )
            return 0
        if not args.json:
            print(f"process: {name} → video {video_id}", file=sys.stderr)
        video = client.wait(video_id, timeout=args.timeout, on_progress=None if args.json else ProgressView())
        clips = client.clips(video_id)["clips"]
        files = clip_files(open_storage(settings), client.me()["tenant_id"], clips) if clips else {}
    if args.json:
        print(json.dumps(result_json(video, clips, files), indent=2))
    elif video["status"] == "failed":
        print(f"failed: {video['error']['message']} ({video['error']['code']})", file=sys.stderr)
    else:
        print(clips_table(clips, files))
    return 0 if video["status"] == "completed" else 1


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Download a video's (or one clip's) timeline bundle and unpack it into ``--out``: the timeline
    references the source under ``media/`` there by absolute path, so the editor opens it as is."""
    import tempfile
    from pathlib import Path

    from streams.cli.client import Client
    from streams.stack.credentials import api_key_for
    from streams.timeline.bundle import unpack

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    path = f"/v1/clips/{args.clip}/timeline" if args.clip else f"/v1/videos/{args.video_id}/timeline"
    with (
        Client(settings.api_url, api_key_for(settings), timeout=600) as client,
        tempfile.TemporaryDirectory(dir=out, prefix=".export-") as tmp,
    ):
        archive = client.download_timeline(path, Path(tmp) / "bundle.zip", args.format, media_root=str(out))
        files = unpack(archive, out)
    timeline = out / files[0]
    if args.json:
        print(json.dumps({"timeline": str(timeline), "files": [str(out / f) for f in files]}, indent=2))
    else:
        print(f"exported {len(files)} files to {out}; open {timeline.name} in your editor")
    return 0
