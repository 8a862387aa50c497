"""``clipstream publish``: post a clip to a connected account, now or at a time, and list the
posts (through the API, as the web page does; accounts are connected on the web page, where the
platform's consent page can open)."""

from __future__ import annotations

import argparse
import json

from streams.cli.client import Client
from streams.settings import Settings
from streams.stack.credentials import api_key_for


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    with Client(settings.api_url, api_key_for(settings)) as client:
        if args.action == "accounts":
            found = client.call("GET", "/v1/accounts")["accounts"]
            rows = [f"{a['account_id']}  {a['platform']:8} {a['status']:19} {a['name']}" for a in found]
        elif args.action == "posts":
            path = f"/v1/clips/{args.clip}/posts" if args.clip else "/v1/posts"
            found = client.call("GET", path)["posts"]
            rows = [
                f"{p['post_id']}  {p['status']:10} {p['publish_at']}  {p['url'] or p['error_code'] or ''}  {p['title']}"
                for p in found
            ]
        else:
            body = {"account_id": args.account, "privacy": args.privacy}
            body.update(
                {
                    k: v
                    for k, v in (("title", args.title), ("description", args.description), ("publish_at", args.at))
                    if v is not None
                }
            )
            if args.tag:
                body["tags"] = args.tag
            found = client.call("POST", f"/v1/clips/{args.clip_id}/posts", json=body)
            rows = [f"scheduled {found['post_id']} for {found['publish_at']} (clipstream publish posts to follow it)"]
    print(json.dumps(found) if args.json else "\n".join(rows) or "(none)")
    return 0


def add_parser(sub) -> None:
    publish = sub.add_parser("publish", help="post clips to connected accounts (YouTube, TikTok), now or at a time")
    actions = publish.add_subparsers(dest="action", required=True)
    clip = actions.add_parser("clip", help="post a clip")
    clip.add_argument("clip_id")
    clip.add_argument("--account", required=True, help="the account id (clipstream publish accounts)")
    clip.add_argument("--title", default=None, help="default: the clip's title")
    clip.add_argument("--description", default=None)
    clip.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    clip.add_argument("--privacy", default="public", choices=("public", "unlisted", "private"))
    clip.add_argument(
        "--at", default=None, help="when, ISO 8601 with its offset (2026-12-01T18:00:00+01:00); default: now"
    )
    accounts = actions.add_parser("accounts", help="the connected accounts (connect one on the web page)")
    posts = actions.add_parser("posts", help="the posts, scheduled and past")
    posts.add_argument("--clip", default=None, help="only this clip's")
    for parser in (clip, accounts, posts):
        parser.add_argument("--json", action="store_true", help="print the API's JSON")
    publish.set_defaults(handler=cmd_publish)
