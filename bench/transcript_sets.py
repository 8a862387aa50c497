"""The labelled readings the ranking benchmarks replay, and sets of them kept in the repository.

A spoken reading is a labelled talk as the pipeline transcribed it: ``bench/moments_quality.py``
keeps each talk's stored chunks beside its built video in ``EVAL_CACHE``, which goes with the
machine. A ranking change judged on one transcription of each talk can be fitted to its noise:
eSpeak NG's voices through Whisper ``base`` come out in different words from one run to the next,
and a talk's fourth pick can hang on a point. ``save`` copies the kept readings, with the passage
durations that place their labels, into ``bench/data/transcripts/<name>`` (one gzipped JSON file a
talk, and the commit they were transcribed at); ``load`` reads such a set back, so
``bench/ranking_sweep.py --transcripts`` judges a change on sets transcribed at other times too.

    .venv/bin/python bench/transcript_sets.py save NAME --transcribed-at COMMIT
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.moments_quality import kept_file, speakers_heard  # noqa: E402
from bench.ranking_replay import chunk_of  # noqa: E402
from bench.report import commit, processor  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.highlight_talks import (  # noqa: E402
    BENCH_HIGHLIGHTS_DIR, EVAL_CACHE, HIGHLIGHTS_DIR, REAL_HIGHLIGHTS_DIR, build_talk, language_of, talk_names)

SETS = Path(__file__).parent / "data" / "transcripts"


class Reading:
    """One labelled talk as the ranking reads it: stored chunks and the highlights' spans (and, for
    a spoken one, the folder of its script: ``labels``)."""

    def __init__(
        self, tag: str, name: str, chunks: list, duration: float, highlights: list, labels: Path | None = None
    ) -> None:
        self.tag, self.name, self.chunks, self.duration, self.highlights = tag, name, chunks, duration, highlights
        self.labels = labels


def _spoken_talks():
    """(language tag, name, labels folder) of every labelled talk eSpeak NG can speak, in order.
    Translations into a language eSpeak NG has no voice for here (``language_of``: None) are read
    from their scripts only."""
    folders = [HIGHLIGHTS_DIR, BENCH_HIGHLIGHTS_DIR, REAL_HIGHLIGHTS_DIR,
               *sorted(p for p in (BENCH_HIGHLIGHTS_DIR / "translated").iterdir() if language_of(p))]
    for folder in folders:
        language = language_of(folder)
        for name in talk_names(folder):
            yield f"{language or 'en'}/{name}", name, folder


def _kept(name: str, folder: Path) -> tuple[dict, list[float]] | None:
    """A talk's kept chunks file and its passages' durations, if a moments_quality run kept them."""
    language = language_of(folder)
    # Only a talk that was built can have been kept; building one here would take minutes.
    if not list(EVAL_CACHE.glob(f"{language + '-' if language else ''}{name}-*/chunks.json")):
        return None
    built = build_talk(name, MEDIA_DIR, folder)
    kept = kept_file(built, None)
    if not kept.is_file():
        return None
    durations = json.loads((kept.parent / "durations.json").read_text())["durations"]
    return json.loads(kept.read_text()), durations


def spoken_readings() -> tuple[list[Reading], list[str]]:
    """Every labelled talk whose transcript a moments_quality run kept here, and those it has none of."""
    found, missing = [], []
    for tag, name, folder in _spoken_talks():
        kept = _kept(name, folder)
        if kept is None:
            missing.append(tag)
            continue
        data, durations = kept
        found.append(_reading(tag, name, folder, data, durations))
    return found, missing


def _reading(tag: str, name: str, folder: Path, data: dict, durations: list[float]) -> Reading:
    from streams.moments.highlights import labelled_talk, parse_script

    talk = labelled_talk(parse_script((folder / f"{name}.tsv").read_text()), durations)
    return Reading(
        f"spoken {tag}", name, [chunk_of(c) for c in data["chunks"]], data["duration"], talk.highlights, folder
    )


def _file_name(tag: str) -> str:
    return tag.replace("/", "-") + ".json.gz"


def save(name: str, transcribed_at: str) -> Path:
    """The readings ``EVAL_CACHE`` holds, transcribed by the pipeline at commit ``transcribed_at``
    (the moments_quality runs' JSON says which), as the set ``name``; returns its folder. The set
    names this machine's processor: the cache is local, so it is the one that transcribed them,
    and Whisper's words depend on it (``bench.report.processor``)."""
    out = SETS / name
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    for tag, talk, folder in _spoken_talks():
        kept = _kept(talk, folder)
        if kept is None:
            continue
        data, durations = kept
        chunks = data["chunks"]
        # A talk heard as one voice ranks as one without voices (``moments.conversation``), and
        # its voice prints are most of its bytes.
        if (speakers_heard(chunks) or 0) < 2:
            chunks = [{**c, "voices": None} for c in chunks]
        record = {"tag": tag, "duration": data["duration"], "durations": durations, "chunks": chunks}
        # mtime 0: the same readings give the same bytes.
        with gzip.GzipFile(out / _file_name(tag), "wb", mtime=0) as f:
            f.write(json.dumps(record, separators=(",", ":")).encode())
        saved.append(tag)
    (out / "set.json").write_text(json.dumps(
        {"transcribed_at": transcribed_at, "saved_at": commit(), "processor": processor(), "readings": saved}, indent=1) + "\n")
    print(f"saved {len(saved)} readings to {out}")
    return out


def load(folder: Path) -> list[Reading]:
    """The readings of a saved set, in the order ``spoken_readings`` gives them."""
    index = json.loads((folder / "set.json").read_text())
    readings = []
    for tag, name, labels in _spoken_talks():
        if tag not in index["readings"]:
            continue
        with gzip.open(folder / _file_name(tag), "rb") as f:
            record = json.loads(f.read())
        readings.append(_reading(tag, name, labels, record, record["durations"]))
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("save",))
    parser.add_argument("name", help="the set's name (a folder under bench/data/transcripts)")
    parser.add_argument("--transcribed-at", required=True, help="the commit the pipeline transcribed them at")
    args = parser.parse_args()
    save(args.name, args.transcribed_at)


if __name__ == "__main__":
    main()
