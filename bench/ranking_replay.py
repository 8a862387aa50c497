"""The final ranking of stored transcripts, as the moments agent of *some checkout* makes it.

The highlight and ranking-cost benchmarks compare today's ranking with the one being built in the
same run (these machines are noisy, and the labelled talks are only worth comparing on the same
transcripts). The moments are a pure function of a video's stored chunks
(``streams.agents.moments.replay``), so a ranking can be replayed from chunks saved as JSON by any
version of the code: this script is run with ``PYTHONPATH`` set to that version's checkout (a
``git worktree`` of a baseline commit) and uses nothing but ``replay``, which every version since
issue 22 has.

    python bench/ranking_replay.py IN_JSON OUT_JSON [--repeat N]

``IN_JSON``: ``{"videos": [{"key", "options", "duration", "chunks": [chunk as chunk_json
writes it, ...]}, ...]}``. ``OUT_JSON``: ``{"videos": [{"key", "moments": [{"start", "end",
"score", "title", "reason", "signals"}, best first], "seconds": [each repeat's wall time]}],
"commit": ...}``. Each video is replayed chunk by chunk as the agent steps it (``final`` at the
last), ``--repeat`` times (timings only; the moments are the last repeat's).

``CLIPSTREAM_REPLAY_WITHOUT`` (comma-separated) takes parts of the ranking out, to measure what
they add (issue 49: are the lexicons and the boundary rules worth their keep in other languages?):
``lexicons``, every word list but English's (a talk in another language is read as one without
lists is); ``boundaries``, edges stay where the chosen window put them (``settle_edges`` may move
none). For this bench only: the product has no such switch.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def chunk_json(chunk) -> dict[str, Any]:
    """A ``TranscriptChunk`` as plain JSON (what ``chunk_of`` reads back)."""
    return {
        "chunk_index": chunk.chunk_index, "start_s": chunk.start_s, "end_s": chunk.end_s,
        "language": chunk.language, "words": chunk.words_json(),
        "segments": [dict(s) for s in chunk.segments], "languages": [dict(s) for s in chunk.languages],
        "language_probability": chunk.language_probability, "energy": list(chunk.energy),
        "pitch": list(chunk.pitch), "faces": None if chunk.faces is None else [list(f) for f in chunk.faces],
        "cuts": None if chunk.cuts is None else list(chunk.cuts), "event_id": chunk.event_id,
        "voices": chunk.voices,
    }


def chunk_of(data: dict[str, Any]):
    from streams.domain.transcript import TranscriptChunk
    from streams.domain.words import Word

    # Who speaks (diarization's voices), where the chunk was kept with them and this checkout's
    # chunks carry them (a baseline from before diarization ranks without).
    voices = {"voices": data["voices"]} if data.get("voices") and "voices" in TranscriptChunk.__dataclass_fields__ else {}
    return TranscriptChunk(
        chunk_index=data["chunk_index"], start_s=data["start_s"], end_s=data["end_s"], language=data["language"],
        words=tuple(Word(w["word"], w["start"], w["end"], w.get("probability", 1.0)) for w in data["words"]),
        segments=tuple(data.get("segments", ())), languages=tuple(data.get("languages", ())),
        language_probability=data.get("language_probability"), energy=tuple(data.get("energy", ())),
        pitch=tuple(data.get("pitch", ())),
        faces=None if data.get("faces") is None else tuple((float(t), int(n)) for t, n in data["faces"]),
        cuts=None if data.get("cuts") is None else tuple(data["cuts"]), event_id=data.get("event_id", ""),
        **voices,
    )


WITHOUT = "CLIPSTREAM_REPLAY_WITHOUT"
PARTS = ("lexicons", "boundaries")


def _without(parts: str) -> None:
    """Take the named parts (``PARTS``) out of this process's ranking."""
    named = {p for p in parts.split(",") if p}
    if named - set(PARTS):
        raise SystemExit(f"{WITHOUT}: unknown parts {sorted(named - set(PARTS))}; choose from {', '.join(PARTS)}")
    if "lexicons" in named:
        from streams.moments import lexicon

        for language in [k for k in lexicon.LEXICONS if k != "en"]:
            del lexicon.LEXICONS[language]
    if "boundaries" in named:
        from streams.moments import boundaries

        boundaries.REACH_OUT = boundaries.REACH_IN = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inp", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    _without(os.environ.get(WITHOUT, ""))
    from streams.agents.moments import replay
    from streams.text import default_encoder

    encoder = default_encoder()
    encoder.encode(["warm up"])  # the weights load once, outside the timings
    out = []
    for video in json.loads(args.inp.read_text())["videos"]:
        chunks = [chunk_of(c) for c in video["chunks"]]
        seconds, step = [], None
        for _ in range(max(args.repeat, 1)):
            began = time.perf_counter()
            step = replay(video["key"], chunks, video["options"], video["duration"], True, encoder)
            seconds.append(round(time.perf_counter() - began, 3))
        assert step is not None
        out.append({"key": video["key"], "seconds": seconds, "moments": [
            {"start": m.start, "end": m.end, "score": m.score, "title": m.title, "reason": m.reason,
             "signals": m.signals} for m in step.final]})
    code = Path(sys.modules["streams"].__file__).resolve().parent.parent
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=code, capture_output=True, text=True)
    args.out.write_text(json.dumps({"videos": out, "commit": commit.stdout.strip(), "code": str(code)}))


if __name__ == "__main__":
    main()
