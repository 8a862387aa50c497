"""Who speaks, through the whole pipeline on real voices: a conversation of two LibriSpeech readers
taking turns and the real two-woman phone call of ``speech/pyannote_sample.wav`` come back with
two speakers whose words are the right people's in the transcript, SRT, VTT, search and the
editor timeline; a name given to a speaker shows in every later export; one voice is one speaker."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from streams.stack.credentials import api_key_for
from streams.media.audio import decode_pcm
from streams.speakers import scoring
from streams.timeline import formats

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RATE = 16000


def _write_wav(path, pcm):
    import wave

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def turns_taken(media_dir, built_media):
    """Readers 1988 and 2412 of LibriSpeech in turn, three times each, 0.7 s apart: the file and
    who reads when."""
    folder = media_dir / "speech" / "librispeech"
    a = [decode_pcm(f) for f in sorted(folder.glob("1988-*.flac"))[:3]]
    b = [decode_pcm(f) for f in sorted(folder.glob("2412-*.flac"))[:3]]
    pieces, reference, at = [], [], 0.0
    for k in range(3):
        for name, clip in (("first", a[k]), ("second", b[k])):
            pieces += [clip, np.zeros(int(0.7 * RATE), np.float32)]
            reference.append((at, at + len(clip) / RATE, name))
            at += len(clip) / RATE + 0.7
    return _write_wav(built_media / "two_readers.wav", np.concatenate(pieces)), reference


@pytest.fixture(scope="module")
def videos(pipeline, media_dir, built_media, turns_taken):
    ljspeech = sorted((media_dir / "speech" / "ljspeech").glob("*.wav"))[:5]
    one_voice = _write_wav(built_media / "one_voice.wav", np.concatenate([decode_pcm(f) for f in ljspeech]))
    ids = {
        "readers": pipeline.client.submit(turns_taken[0], clip_count=1, min_seconds=5, max_seconds=20)["video_id"],
        "call": pipeline.client.submit(media_dir / "speech" / "pyannote_sample.wav", clip_count=1, min_seconds=5,
                                       max_seconds=20)["video_id"],
        "one": pipeline.client.submit(one_voice, clip_count=1, min_seconds=5, max_seconds=20)["video_id"],
    }
    for video_id in ids.values():
        video = pipeline.client.wait(video_id, timeout=900)
        assert video["status"] == "completed", video.get("error")
    return ids


def api(pipeline) -> httpx.Client:
    headers = {"Authorization": f"Bearer {api_key_for(pipeline.settings)}"}
    return httpx.Client(base_url=pipeline.settings.api_url, timeout=120, headers=headers)


def _who(reference, start, end):
    """The reference speaker who holds most of [start, end]."""
    held = {}
    for s, e, name in reference:
        held[name] = held.get(name, 0.0) + max(0.0, min(e, end) - max(s, start))
    return max(held, key=held.get) if max(held.values()) > 0 else None


def _agreement(words, reference):
    """The share of words whose speaker is their reader's, under the best one-to-one naming."""
    pairs = [(w["speaker"], _who(reference, w["start"], w["end"])) for w in words]
    pairs = [(h, r) for h, r in pairs if r is not None]
    found = sorted({h for h, _ in pairs})
    truth = sorted({r for _, r in pairs})
    counts = np.array([[sum(1 for p in pairs if p == (h, r)) for r in truth] for h in found])
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-counts)
    return counts[rows, cols].sum() / len(pairs)


def test_two_readers_are_two_speakers_with_their_own_words(pipeline, videos, turns_taken):
    transcript = pipeline.client.transcript(videos["readers"])
    assert [s["speaker"] for s in transcript["speakers"]] == ["S1", "S2"]
    assert all(w.get("speaker") in ("S1", "S2") for w in transcript["words"])
    assert _agreement(transcript["words"], turns_taken[1]) >= 0.95
    # sentences never straddle two voices, and say whose they are
    for sentence in transcript["sentences"]:
        inside = {w["speaker"] for w in transcript["words"] if sentence["start"] <= w["start"] < sentence["end"]}
        assert inside <= {sentence["speaker"]}, sentence


def test_the_phone_call_is_two_women(pipeline, videos, media_dir):
    transcript = pipeline.client.transcript(videos["call"])
    assert len(transcript["speakers"]) == 2, transcript["speakers"]
    reference = scoring.read_rttm(media_dir / "speech" / "pyannote_sample.rttm")
    assert _agreement(transcript["words"], reference) >= 0.8


def test_one_voice_is_one_speaker(pipeline, videos):
    transcript = pipeline.client.transcript(videos["one"])
    assert [s["speaker"] for s in transcript["speakers"]] == ["S1"]
    assert {w.get("speaker") for w in transcript["words"]} == {"S1"}


def test_every_export_names_the_speakers_and_a_rename_reaches_them_all(pipeline, videos):
    video_id = videos["readers"]
    with api(pipeline) as http:
        before = {fmt: http.get(f"/v1/videos/{video_id}/transcript", params={"format": fmt}).text
                  for fmt in ("srt", "vtt", "txt")}
        assert "Speaker 1: " in before["srt"] and "Speaker 2: " in before["srt"]
        assert "<v Speaker 1>" in before["vtt"] and "<v Speaker 2>" in before["vtt"]
        assert before["txt"].startswith("Speaker 1: ")

        renamed = http.patch(f"/v1/videos/{video_id}/speakers/S2", json={"name": "Ada Reader"})
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["name"] == "Ada Reader"
        assert http.patch(f"/v1/videos/{video_id}/speakers/S9", json={"name": "x"}).status_code == 404
        assert http.patch(f"/v1/videos/{video_id}/speakers/S1", json={"name": ""}).status_code == 422

        speakers = http.get(f"/v1/videos/{video_id}/speakers").json()["speakers"]
        assert [(s["speaker"], s["name"]) for s in speakers] == [("S1", "Speaker 1"), ("S2", "Ada Reader")]
        assert all(s["talk_seconds"] > 5 for s in speakers)
        after = {fmt: http.get(f"/v1/videos/{video_id}/transcript", params={"format": fmt}).text
                 for fmt in ("srt", "vtt", "txt", "json")}
        assert "Ada Reader: " in after["srt"] and "Speaker 2" not in after["srt"]
        assert "<v Ada Reader>" in after["vtt"]
        assert "Ada Reader: " in after["txt"]
        sentences = json.loads(after["json"])["sentences"]
        assert {s["speaker_name"] for s in sentences} == {"Speaker 1", "Ada Reader"}

        # the editor timeline's caption markers name the speaker as now named
        timeline = http.get(f"/v1/videos/{video_id}/timeline", params={"format": "otio"})
        assert timeline.status_code == 200, timeline.text
        back = formats.read(timeline.text, formats.FORMATS["otio"], 25.0)
        markers = [m for c in back.tracks[0].find_clips() for m in c.markers
                   if m.metadata.get("clipstream", {}).get("kind") == "caption"]
        named = {m.metadata["clipstream"].get("speaker") for m in markers}
        assert named and named <= {"Speaker 1", "Ada Reader"}, named

        # search finds a sentence with its speaker, and narrows to one speaker by label or name
        words = [w for w in pipeline.client.transcript(video_id)["words"] if w["speaker"] == "S2"]
        term = max((w["word"].strip(".,;!?\"'").lower() for w in words), key=len)
        hits = http.get("/v1/search", params={"q": term, "video_id": video_id}).json()["hits"]
        assert hits and all(h["speaker"] in ("S1", "S2") for h in hits), hits
        assert any(h["speaker"] == "S2" and h["speaker_name"] == "Ada Reader" for h in hits), hits
        by_name = http.get("/v1/search", params={"q": term, "video_id": video_id, "speaker": "ada reader"}).json()
        assert by_name["hits"] and {h["speaker"] for h in by_name["hits"]} == {"S2"}
        other = http.get("/v1/search", params={"q": term, "video_id": video_id, "speaker": "S1"}).json()["hits"]
        assert all(h["speaker"] == "S1" for h in other)
        assert http.get("/v1/search", params={"q": term, "speaker": "S1"}).status_code == 422


def test_moments_and_clips_list_the_voices_heard_in_them_under_their_current_names(pipeline, videos):
    """Runs after the rename above: S2 is "Ada Reader" on every clip and moment that holds her."""
    video_id = videos["readers"]
    words = pipeline.client.transcript(video_id)["words"]
    with api(pipeline) as http:
        names = {s["speaker"]: s["name"] for s in http.get(f"/v1/videos/{video_id}/speakers").json()["speakers"]}
        moments = http.get(f"/v1/videos/{video_id}/moments").json()["moments"]
        clips = http.get(f"/v1/videos/{video_id}/clips").json()["clips"]
        assert moments and clips
        for item in moments + clips:
            inside = [w["speaker"] for w in words if item["start"] <= w["start"] < item["end"]]
            assert [s["speaker"] for s in item["speakers"]] == list(dict.fromkeys(inside)), item
            assert all(s["name"] == names[s["speaker"]] for s in item["speakers"]), item
        one = http.get(f"/v1/clips/{clips[0]['clip_id']}").json()
        assert one["speakers"] == clips[0]["speakers"]
        # one voice: no clip lists a speaker, as no export names one
        assert all(c["speakers"] == [] for c in http.get(f"/v1/videos/{videos['one']}/clips").json()["clips"])
