"""What the command line prints: a line of progress (``say``); for ``clipstream process``, live
per-stage progress bars (on stderr), the table of clips and the stable ``--json`` result object
scripts depend on."""

from __future__ import annotations

import sys
from typing import TextIO
from urllib.parse import urlparse

from streams.adapters.storage import clip_file_key
from streams.domain.clip import CLIP_FILES, CLIP_SUFFIXES
from streams.moments.titles import TITLE_CHARS

BAR_WIDTH = 24


def local_path(uri: str) -> str:
    """A ``file://`` URI as a local path (how a clip's files are shown); any other URI unchanged."""
    parsed = urlparse(uri)
    return parsed.path if parsed.scheme == "file" else uri


def say(message: str) -> None:
    """One line of progress on stdout, flushed at once (a stack's start is slow)."""
    print(message, flush=True)


def bar(progress: float, width: int = BAR_WIDTH) -> str:
    filled = int(round(max(0.0, min(1.0, progress)) * width))
    return "█" * filled + "░" * (width - filled)


class ProgressView:
    """Redraws one line per stage in place on a terminal; prints only changes elsewhere."""

    def __init__(self, out: TextIO = sys.stderr) -> None:
        self.out = out
        self.tty = out.isatty()
        self.drawn = 0
        self.last: dict[str, tuple] = {}

    def __call__(self, video: dict) -> None:
        lines = []
        for s in video["stages"]:
            state = s["status"] if s["status"] != "running" else f"{s['progress'] * 100:3.0f}%"
            lines.append((s["stage"], f"  {s['stage']:<11} {bar(s['progress'])} {state}"))
        if self.tty:
            if self.drawn:
                self.out.write(f"\x1b[{self.drawn}F")
            for _, text in lines:
                self.out.write(f"\x1b[2K{text}\n")
            self.drawn = len(lines)
        else:
            for stage, text in lines:
                key = (text.split()[-1],)
                if self.last.get(stage) != key:
                    self.last[stage] = key
                    self.out.write(text + "\n")
        self.out.flush()


def result_json(video: dict, clips: list[dict], files: dict[str, dict[str, str]] | None = None) -> dict:
    """The ``--json`` object: keep this shape stable. ``files``: each clip's files by clip id and
    kind, as this machine reaches them (:func:`clip_files`); the API's links otherwise."""
    files = files or {}
    result = {"video_id": video["video_id"], "status": video["status"], "ranking": video.get("ranking")}
    if video["status"] == "failed":
        result["error"] = (video.get("error") or {}).get("message") or "failed"
        result["error_code"] = (video.get("error") or {}).get("code")
    result["clips"] = [
        {
            "rank": c["rank"],
            "score": c["score"],
            "start": c["start"],
            "end": c["end"],
            "title": c["title"],
            "reason": c["reason"],
            "signals": c["signals"],
            "aspect": c["aspect"],
            "duration": c["duration"],
            **{kind: files.get(c["clip_id"], {}).get(kind, c[kind]) for kind in CLIP_FILES},
        }
        for c in clips
    ]
    return result


def clock(seconds: float) -> str:
    """``m:ss.s``, e.g. ``1:05.3`` (rounded first, so 59.96 s reads 1:00.0, not 0:60.0)."""
    minutes, rest = divmod(round(seconds, 1), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def clip_files(storage, tenant_id: str, clips: list[dict]) -> dict[str, dict[str, str]]:
    """Where each clip's files are for this machine: a local path when the CLI's storage is a
    directory that holds them, the object's URI on S3. The API names none (its answers carry
    links, never storage paths); these come from the CLI's own settings."""
    local = getattr(storage, "local_path", None)
    found: dict[str, dict[str, str]] = {}
    for c in clips:
        paths = {}
        for kind in CLIP_FILES:
            key = clip_file_key(tenant_id, c["video_id"], c["clip_id"], CLIP_SUFFIXES[kind])
            if local is None:
                paths[kind] = storage.uri(key)
            elif (path := local(key)).is_file():
                paths[kind] = str(path)
        found[c["clip_id"]] = paths
    return found


def whole_words(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` characters, else as many of its words as fit with "…"."""
    if len(text) <= width:
        return text
    head = text[: width - 1]  # room for the "…"
    if text[width - 1].isalnum() and " " in head:  # the last word does not fit whole
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:.-–—") + "…"


def clips_table(clips: list[dict], files: dict[str, dict[str, str]] | None = None) -> str:
    """The clips as rows, then each ranked clip's reason. A clip without a rank was picked while
    the video streamed and then outranked: shown as "-" with one line that says so."""
    files = files or {}
    rows = [("rank", "score", "start–end", "title", "mp4")]
    for c in clips:
        rows.append(
            (
                "-" if c["rank"] is None else str(c["rank"]),
                f"{c['score']:.0f}",
                f"{clock(c['start'])}–{clock(c['end'])}",
                whole_words(c["title"], TITLE_CHARS),  # a title is at most this long: shown whole
                files.get(c["clip_id"], {}).get("mp4", c["mp4"]),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines += [f"  #{c['rank']}: {c['reason']}" for c in clips if c["rank"] is not None]
    if any(c["rank"] is None for c in clips):
        lines.append("  -: picked while the video streamed, then outranked by a later pick (already rendered)")
    return "\n".join(lines)
