"""``clipstream videos`` and ``clipstream clips``: list a workspace's videos and a video's clips,
and delete either, through the API (the key needs the admin scope to delete, as on the web page)."""

from __future__ import annotations

import argparse
import json

from streams.cli.client import Client
from streams.settings import Settings
from streams.stack.credentials import api_key_for


def cmd_videos(args: argparse.Namespace, settings: Settings) -> int:
    with Client(settings.api_url, api_key_for(settings)) as client:
        if args.action == "delete":
            return _deleted(client, "video", args.video_id, "its clips and their files", args.json)
        query = {"limit": args.limit, **({"status": args.status} if args.status else {})}
        videos = client.call("GET", "/v1/videos", params=query)["videos"]
    rows = [
        f"{v['video_id']}  {v['status']:10} {v['created_at']}  {_minutes(v['duration'])}  {v['filename']}"
        for v in videos
    ]
    return _listed(videos, rows, args.json)


def cmd_clips(args: argparse.Namespace, settings: Settings) -> int:
    with Client(settings.api_url, api_key_for(settings)) as client:
        if args.action == "delete":
            return _deleted(client, "clip", args.clip_id, "its files", args.json)
        clips = client.clips(args.video_id)["clips"]
    return _listed(clips, [_clip_row(c) for c in clips], args.json)


def _deleted(client: Client, kind: str, ident: str, with_it: str, as_json: bool) -> int:
    """Delete the ``kind`` (video, clip) ``ident`` and say so."""
    client.delete(f"/v1/{kind}s/{ident}")
    print(json.dumps({f"{kind}_id": ident, "deleted": True}) if as_json else f"deleted {kind} {ident} and {with_it}")
    return 0


def _listed(found: list[dict], rows: list[str], as_json: bool) -> int:
    print(json.dumps(found) if as_json else "\n".join(rows) or "(none)")
    return 0


def _minutes(seconds: float | None) -> str:
    return "  -  " if seconds is None else f"{int(seconds // 60):2d}:{int(seconds % 60):02d}"


def _clip_row(c: dict) -> str:
    rank = "-" if c["rank"] is None else f"#{c['rank']}"
    note = " (old words: render it again)" if c.get("captions_current") is False else ""
    return f"{c['clip_id']}  {rank:>4} {c['score']:5.1f}  {c['aspect']:4}  {c['start']:8.2f}-{c['end']:<8.2f} {c['title']}{note}"


def add_parser(sub) -> None:
    videos = sub.add_parser("videos", help="the workspace's videos, newest first; delete one")
    actions = videos.add_subparsers(dest="action", required=True)
    listed = actions.add_parser("list", help="the newest videos: id, status, submitted, length, file name")
    listed.add_argument("--limit", type=int, default=20, help="at most this many (1-100; default 20)")
    listed.add_argument("--status", default=None, help="only videos in this status (queued, processing, ...)")
    gone = actions.add_parser("delete", help="delete a video, its clips and every file of them (admin scope)")
    gone.add_argument("video_id")
    for parser in (listed, gone):
        parser.add_argument("--json", action="store_true", help="print the API's JSON")
    videos.set_defaults(handler=cmd_videos)

    clips = sub.add_parser("clips", help="a video's clips, best first; delete one")
    actions = clips.add_subparsers(dest="action", required=True)
    listed = actions.add_parser("list", help="a video's clips: id, rank, score, aspect, span, title")
    listed.add_argument("video_id")
    gone = actions.add_parser("delete", help="delete a clip and its files (admin scope; 409 while a post needs it)")
    gone.add_argument("clip_id")
    for parser in (listed, gone):
        parser.add_argument("--json", action="store_true", help="print the API's JSON")
    clips.set_defaults(handler=cmd_clips)
