"""The moments agent's replay: options, length presets and topics, without Kafka or a database."""

import zlib
from dataclasses import replace

import numpy as np
import pytest

from streams.agents.moments import replay
from streams.domain.transcript import TranscriptChunk
from streams.domain.options import VideoOptions
from streams.errors import InvalidOptions
from streams.moments.editorial_head import Head
from streams.moments.options import clip_length
from streams.moments.lengths import LENGTH_PRESETS, LengthRange
from tests.unit.test_moments_selection import ten_minutes


def chunks_of(sentences, size=120.0):
    words = [w for s in sentences for w in s.words]
    end = words[-1].end + 1.0
    chunks, start = [], 0.0
    while start < end:
        inside = [w for w in words if start <= w.start < start + size]
        chunks.append(TranscriptChunk(chunk_index=len(chunks), start_s=start, end_s=min(start + size, end),
                                      language="en", energy=(0.1,) * int(size * 2), words=tuple(inside)))
        start += size
    return chunks, end


class CountingEncoder:
    """Embeds text by its first word's hash; records how often each text was asked for. Its
    embeddings have 8 dimensions, so the agent ranks with ``TOY_HEAD`` beside it (``toy_head``)."""

    def __init__(self):
        self.calls: list[str] = []

    def encode(self, texts):
        self.calls.extend(texts)
        rows = [np.random.default_rng(zlib.crc32(t.split()[0].encode())).standard_normal(8) for t in texts]
        return np.array(rows).reshape(len(texts), 8)


TOY_HEAD = Head(np.random.default_rng(3).standard_normal(8).astype(np.float32), 0.0, "toy")


@pytest.fixture(autouse=True)
def toy_head(monkeypatch):
    """The agent's editorial head, for ``CountingEncoder``'s 8-dimensional embeddings."""
    monkeypatch.setattr("streams.agents.moments.editorial_head", lambda: TOY_HEAD)


def test_clip_length_reads_a_preset_or_the_user_range():
    def length(options: dict) -> LengthRange:
        return clip_length(VideoOptions.from_json(options))

    assert length({"length": "15-30", "min_seconds": 20, "max_seconds": 60}) == LENGTH_PRESETS["15-30"]
    assert length({"min_seconds": 40, "max_seconds": 80}) == LengthRange(40, 80)
    assert length({}) == LengthRange(20, 60)
    with pytest.raises(InvalidOptions, match="unknown length"):
        length({"length": "2-4"})
    with pytest.raises(InvalidOptions):
        length({"min_seconds": 50, "max_seconds": 10})


def test_max_overlap_option():
    of = VideoOptions.from_json
    assert of({}).max_overlap == 0.0 and of({"max_overlap": 0.5}).max_overlap == 0.5
    for bad in (1.0, -0.1, "half"):
        with pytest.raises(InvalidOptions):
            of({"max_overlap": bad})


@pytest.mark.parametrize("preset", list(LENGTH_PRESETS))
def test_replay_honours_the_length_preset(preset):
    chunks, duration = chunks_of(ten_minutes())
    picks, _, final = replay("vid", chunks, {"clip_count": 3, "length": preset}, duration, final=True)
    length = LENGTH_PRESETS[preset]
    assert len(picks) == len(final) == 3
    assert all(length.min_seconds <= p.duration <= length.max_seconds for p in picks + final)


def test_replay_ends_with_the_final_choice_among_every_candidate():
    chunks, duration = chunks_of(ten_minutes())
    streamed = replay("vid", chunks, {"clip_count": 3}, duration, final=False)
    assert streamed.final == []  # until the last chunk, nothing is final
    picks, new, final = replay("vid", chunks, {"clip_count": 3}, duration, final=True)
    assert new and set(new) <= set(picks)
    assert len(final) == 3 and [m.score for m in final] == sorted((m.score for m in final), reverse=True)
    assert all(not (a.start < b.end and b.start < a.end) for i, a in enumerate(final) for b in final[i + 1:])
    # Every streamed pick stays in this talk (no window is clearly better), ranked by its final score.
    assert {(m.start, m.end) for m in final} == {(p.start, p.end) for p in picks}
    # A video heard in one chunk has all its picks made knowing everything: they are the final ones.
    whole = [replace(chunks[0], end_s=duration, words=tuple(w for c in chunks for w in c.words))]
    one = replay("vid", whole, {"clip_count": 3}, duration, final=True)
    assert one.new == one.picks and sorted(one.final, key=lambda m: m.start) == sorted(one.picks, key=lambda m: m.start)


def test_replay_with_an_encoder_is_deterministic_and_scores_coherence():
    chunks, duration = chunks_of(ten_minutes())
    encoder = CountingEncoder()
    first = replay("vid", chunks, {"clip_count": 5}, duration, final=True, encoder=encoder).picks
    again = replay("vid", chunks, {"clip_count": 5}, duration, final=True, encoder=CountingEncoder()).picks
    assert first == again and len(first) == 5
    assert all(p.signals["coherence"] != 0.5 and p.signals["editorial"] != 0.5 for p in first)
    assert {s.text for s in ten_minutes()} <= set(encoder.calls)  # (SentenceEncoder caches repeats)
    without = replay("vid", chunks, {"clip_count": 5}, duration, final=True).picks
    assert all(p.signals["coherence"] == 0.5 and p.signals["editorial"] == 0.5 for p in without)
    # The pauses come from the words alone, encoder or not.
    assert all(p.signals["breaks"] != 0.5 for p in without)


def test_replay_allows_overlap_only_when_asked():
    # More clips than fit side by side on the talk's breaks (edges settle on them), so only
    # allowed overlap lets the selector place them all.
    chunks, duration = chunks_of(ten_minutes())
    strict = replay("vid", chunks, {"clip_count": 20}, duration, final=True).picks
    loose = replay("vid", chunks, {"clip_count": 20, "max_overlap": 0.5}, duration, final=True).picks
    shared = [max(0.0, min(a.end, b.end) - max(a.start, b.start)) for i, a in enumerate(loose) for b in loose[i + 1:]]
    assert all(
        max(0.0, min(a.end, b.end) - max(a.start, b.start)) == 0 for i, a in enumerate(strict) for b in strict[i + 1:]
    )
    assert max(shared) > 0
    assert len(loose) > len(strict)


def test_faces_and_cuts_are_joined_over_the_chunks_that_were_looked_at():
    from streams.moments.stored import cuts_of as _cuts
    from streams.moments.stored import faces_of as _faces

    def chunk(faces, cuts):
        return TranscriptChunk(chunk_index=0, start_s=0.0, end_s=1.0, language="en", words=(), faces=faces, cuts=cuts)

    looked = [chunk(((0.0, 1), (1.0, 1)), (0.5,)), chunk(((120.0, 2),), ())]
    assert _faces(looked) == [(0.0, 1), (1.0, 1), (120.0, 2)] and _cuts(looked) == [0.5]
    audio_only = [chunk(None, None), chunk(None, None)]  # or stored before pictures were looked at
    assert _faces(audio_only) is None and _cuts(audio_only) is None
    # A chunk whose picture could not be read keeps its neighbours' faces, but no chunk's cuts:
    # its minutes would otherwise read as one long steady shot.
    failed = [looked[0], chunk(None, None)]
    assert _faces(failed) == [(0.0, 1), (1.0, 1)] and _cuts(failed) is None


def test_replay_scores_the_faces_and_cuts_stored_with_the_chunks():
    chunks, duration = chunks_of(ten_minutes())
    blind = replay("vid", chunks, {"clip_count": 3}, duration, final=True).picks
    assert all(p.signals["faces"] == 0.5 and p.signals["scene_cuts"] == 0.5 for p in blind)
    chunks = [replace(c, faces=tuple((float(t), 1) for t in range(int(c.start_s), int(c.end_s))), cuts=())
              for c in chunks]
    seen = replay("vid", chunks, {"clip_count": 3}, duration, final=True).picks
    assert all(p.signals["faces"] == 1.0 and p.signals["scene_cuts"] == 0.6 for p in seen)
    # The same face everywhere moves every score alike: the same picks.
    assert [(p.start, p.end) for p in seen] == [(p.start, p.end) for p in blind]


def test_a_missing_sentence_model_is_an_error_at_start_not_a_quiet_ranking(monkeypatch, tmp_path):
    """Without its sentence model the moments agent would rank without the editorial and topic
    signals; the worker that runs it refuses to start instead, saying what to install."""
    import streams.text
    from streams.moments.readers import sentence_encoder
    from streams.errors import ModelMissing
    from streams.text.embeddings import SentenceEncoder
    from streams.worker.process import load_models

    monkeypatch.setattr(streams.text, "default_encoder", lambda: SentenceEncoder(tmp_path))  # an empty folder
    sentence_encoder.cache_clear()
    try:
        with pytest.raises(ModelMissing, match="model.safetensors is missing.*scripts/setup.sh"):
            load_models("")
        with pytest.raises(ModelMissing):
            load_models("transcribe,moments")
        assert load_models("render,webhooks") == []  # groups that embed nothing start without it
    finally:
        monkeypatch.undo()
        sentence_encoder.cache_clear()
    assert load_models("moments") == ["sentence encoder", "editorial head", "multilingual reader"]


def test_the_judge_switch_is_a_setting_read_on_and_off_and_refusing_anything_else():
    from streams.errors import ConfigError
    from streams.settings import Settings

    env = {"CLIPSTREAM_ENV_FILE": "/nonexistent/.env"}
    assert not Settings.from_env(env).moment_judge  # off until measured through the whole pipeline (issue 17)
    for value, enabled in (("off", False), ("OFF", False), ("0", False), ("on", True), ("true", True)):
        assert Settings.from_env({**env, "CLIPSTREAM_MOMENT_JUDGE": value}).moment_judge is enabled
    with pytest.raises(ConfigError, match="CLIPSTREAM_MOMENT_JUDGE"):
        Settings.from_env({**env, "CLIPSTREAM_MOMENT_JUDGE": "maybe"})
    # a worker started by the stack is told it as its other settings are
    on = Settings.from_env({**env, "CLIPSTREAM_MOMENT_JUDGE": "on"})
    assert Settings.from_env({**on.as_env(), **env}).moment_judge


def test_with_the_judge_off_the_rules_reasons_are_announced_as_they_are_and_the_video_says_it_once():
    import asyncio

    from streams.agents.moments import RULES_ONLY, _ranking, _with_verdicts

    chunks, duration = chunks_of(ten_minutes())
    picks = replay("v1", chunks, {"clip_count": 3}, duration, final=True).picks
    announced = asyncio.run(_with_verdicts("v1", picks, judge=False))
    assert len(announced) == len(picks) == 3
    for before, after in zip(picks, announced):
        assert after.reason == before.reason and RULES_ONLY not in after.reason
        assert (after.title, after.score, after.signals) == (before.title, before.score, before.signals)
        assert not any(k.startswith("judge_") for k in after.signals)
    assert _ranking(None) == {"judge": "off", "model": None, "note": RULES_ONLY}


def test_a_noted_reason_fits_the_event_s_limit():
    from streams.agents.moments import _noted

    long = "; ".join(["opens with a question that is long"] * 12)
    noted = _noted(long, "a note")
    assert len(noted) <= 300 and noted.endswith(" (a note)") and noted.startswith("opens with a question")
    assert _noted("short", "a note") == "short (a note)"


def test_the_judge_reads_a_clip_s_words_as_spaced_text():
    from streams.agents.moments import clip_text

    chunks, duration = chunks_of(ten_minutes())
    [pick] = replay("v1", chunks, {"clip_count": 1}, duration, final=True).picks
    text = clip_text(pick)
    assert text.split() == [w.word for w in pick.words]  # stored words are bare: spaces come from the join


def test_a_moment_announced_while_streaming_keeps_its_title_in_the_final_ranking():
    """Its clip may be out already with the title drawn over its first seconds."""
    from datetime import datetime, timezone

    from streams.agents.moments import _titles_kept
    from streams.domain.moment import Moment, StoredMoment

    def moment(mid: str, title: str) -> Moment:
        return Moment(moment_id=mid, start=1.0, end=21.0, score=70.0, signals={}, reason="r", title=title)

    stored = [StoredMoment.from_row({
        "video_id": "v", "moment_id": "a", "start_s": 1.0, "end_s": 21.0, "score": 60.0, "signals": {},
        "reason": "r", "title": "The title it streamed with", "rank": 2, "is_final": False, "superseded": False,
        "speakers": [], "created_at": datetime.now(timezone.utc),
    })]
    kept = _titles_kept([moment("a", "A better title found later"), moment("b", "A new pick")], stored)
    assert [m.title for m in kept] == ["The title it streamed with", "A new pick"]
    assert kept[0].score == 70.0  # only the title stays
