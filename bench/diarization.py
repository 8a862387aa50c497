"""Benchmark: who speaks when (speaker diarization), against a classical baseline in the same run.

Inputs, each with a reference RTTM:
- ``pyannote_sample``: a real 30 s phone call between two women (../shared/media/speech; narrow band).
- the synthetic conversations of ``bench/conversations.py`` (real voices, exact truth): TEST and
  HELD_OUT are the benchmark's numbers; DEV (2, 3 and 5 speakers) is the tuning set, reported apart.
  The same on the telephone (``conversations.telephone``: 8 kHz, 300-3400 Hz, mu-law): PHONE_DEV
  tunes the narrowband threshold; PHONE_TEST and PHONE_HELD_OUT (calls, and call-in shows where
  one voice is phoned) are scored.
- ``podcast_sailing``: the two-voice podcast of ../shared/eval/highlights spoken by eSpeak NG in
  the voices ``tests/highlight_talks.py`` gives its host and guest (``voice_of``), its audio
  decoded from the built video. The
  reference is each passage's speaker over the passage's speech (10 ms frames above -60 dBFS,
  pauses under 0.3 s bridged, bursts under 0.1 s dropped, 30 ms of padding).

Each input's audio is cut into chunks as the pipeline cuts it (``streams.media.chunking.Chunker``:
60-120 s, at the quietest moment), each chunk's voices are found as the Triton model does
(``Listener.voices``: Silero VAD, 1.5 s windows every 0.75 s, GE2E voice prints) and moved to video
time, and ``speaker_turns`` labels them: ``complete=True`` is the final answer, ``complete=False``
what a reader sees while the video streams. The baseline takes the very same speech and windows and
replaces only the voice prints: 19 MFCCs (log of ``features.mel_filterbank``'s 40 bands, DCT-II,
c1-c19) over 25 ms frames every 10 ms, their mean and standard deviation per window (38 numbers),
z-scored per file, clustered by the same ``speaker_turns`` (average linkage on cosine distance).

Tuning, on DEV only and by one rule for both: sweep ``threshold`` x ``min_speaker_windows``
(2, 4, 8) x ``min_speaker_share`` (0, 1 %, 2 % of the windows), keep the setting whose final labels count the speakers right on most DEV conversations,
then the lowest mean DER; then, with that setting, ``narrowband_threshold`` on PHONE_DEV by the
same rule. The system is scored with that setting and with the library's default. DER as NIST's
md-eval (``streams.speakers.scoring``), 0.25 s collar, overlap scored.

Goals (the issue): DER at most 10 % with two speakers and 15 % with three to five, the speaker
count right on every input, better than the baseline, and one speaker never split into two labels
(checked on the 30-minute TEST conversation and on a 60-minute one built here). Cost: seconds of
VAD + windows + encoder per audio minute on 1 and 2 onnxruntime threads, the clustering of a
60-minute video, and an estimate of diarization's share of the pipeline from bench/results/e2e.json.

    nice -n 10 .venv/bin/python bench/diarization.py [--quick] [--threads 2] [--out PATH]

``--quick`` (smoke): pyannote_sample and the DEV two-speaker conversation only, tuned on the latter;
no stability or cost; writes nothing unless ``--out`` is given. Writes bench/results/diarization.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import scipy.fft

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import conversations as C  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402
from streams.media.chunking import Chunker  # noqa: E402
from streams.speakers import features  # noqa: E402
from streams.speakers.clustering import ClusterOptions  # noqa: E402
from streams.speakers.encoder import embed_grouped  # noqa: E402
from streams.speakers.listener import Listener  # noqa: E402
from streams.speakers.scoring import Score, score  # noqa: E402
from streams.speakers.voices import Voices, speaker_turns  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "diarization.json"
E2E = Path(__file__).parent / "results" / "e2e.json"
COLLAR = 0.25
DEFAULT = ClusterOptions()
THRESHOLDS = [round(0.20 + 0.025 * k, 3) for k in range(13)]  # 0.20 .. 0.50 (GE2E cosine distance)
BASELINE_THRESHOLDS = [round(0.20 + 0.05 * k, 3) for k in range(21)]  # 0.20 .. 1.20 (MFCC statistics)
MIN_SPEAKER_WINDOWS = (2, 4, 8)
MIN_SPEAKER_SHARES = (0.0, 0.01, 0.02)
GOAL_DER_TWO = 0.10
GOAL_DER_MANY = 0.15
MFCCS = 19
# A 60-minute two-voice conversation of long turns, for the stability check (voices of the
# HELD_OUT side: nothing was tuned on them).
STABILITY_60 = C.ConversationSpec("stability-2spk-60m-long", ("ljspeech", "librispeech-1088"), 60, seed=205,
                                  min_turn_s=8.0, max_turn_s=60.0)
PODCAST = "podcast_sailing"
SPEECH_DBFS = -60.0  # the podcast's reference: eSpeak's silences are digital zero

Segment = tuple[float, float, str]


@dataclass
class Input:
    """One recording to diarize: its reference, and (filled by ``listen``) its chunks' voices as
    the system sees them and with the baseline's voice prints."""

    name: str
    group: str  # pyannote, dev, test, held_out, podcast, stability
    reference: list[Segment]
    duration: float
    note: str = ""
    chunks: list[Voices] = field(default_factory=list)
    baseline: list[Voices] = field(default_factory=list)
    chunk_seconds: list[float] = field(default_factory=list)

    @property
    def speakers(self) -> int:
        return len({k for _, _, k in self.reference})


# ----------------------------------------------------------------------------------- inputs


def pyannote_input() -> tuple[Input, np.ndarray]:
    wav = C.media_dir() / "speech" / "pyannote_sample.wav"
    pcm = C.decode(str(wav))
    reference = C.read_rttm(wav.with_suffix(".rttm"))
    return Input("pyannote_sample", "pyannote", reference, len(pcm) / C.SAMPLE_RATE,
                 "real phone call, narrow band"), pcm


def conversation_input(spec: C.ConversationSpec, group: str) -> tuple[Input, np.ndarray]:
    conv = C.build(spec)
    pcm = C.decode(str(conv.wav_path))
    return Input(conv.uri, group, C.read_rttm(conv.rttm_path), conv.duration,
                 ", ".join(conv.speakers)), pcm


def podcast_input() -> tuple[Input, np.ndarray]:
    """The podcast's audio as the pipeline decodes it from the built video, and the reference:
    each passage's speaker over its speech frames (see the module's docstring)."""
    from tests.highlight_talks import build_talk, voice_of

    built = build_talk(PODCAST, C.media_dir())
    pcm = C.decode(str(built.video))
    loud = C.frame_db(pcm) > SPEECH_DBFS
    loud = C.fill_gaps(loud, round(C.MAX_INNER_PAUSE_S * C.FRAMES_PER_S))
    loud = C.drop_short(loud, round(C.MIN_SPEECH_S * C.FRAMES_PER_S))
    loud = C.widen(loud, round(C.SPEECH_PAD_S * C.FRAMES_PER_S))
    reference = []
    for passage, span in zip(built.talk.passages, built.talk.spans):
        a, b = round(span.start * C.FRAMES_PER_S), round(span.end * C.FRAMES_PER_S)
        for s, e in C.runs(loud[a:b]):
            reference.append(((a + s) / C.FRAMES_PER_S, (a + e) / C.FRAMES_PER_S, passage.speaker))
    voices = " / ".join(voice_of(speaker, None)[0] for speaker in dict.fromkeys(p.speaker for p in built.talk.passages))
    return Input(PODCAST, "podcast", reference, len(pcm) / C.SAMPLE_RATE, f"eSpeak NG {voices}"), pcm


# ----------------------------------------------------------------------------------- voices


def chunks_of(pcm: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """(start seconds, samples) of each chunk the pipeline's Chunker cuts ``pcm`` into (fed 1 s
    blocks, as audio decodes)."""
    chunker = Chunker()
    out = []
    for a in range(0, len(pcm), C.SAMPLE_RATE):
        out += chunker.feed(pcm[a : a + C.SAMPLE_RATE])
    out += chunker.finish()
    return [(c.start, c.pcm) for c in out]


def mfcc_prints(pcm: np.ndarray, windows: list[tuple[float, float]]) -> np.ndarray:
    """[windows, 38]: mean and standard deviation of MFCC 1-19 over each window of ``pcm``
    (seconds from its start); 25 ms frames every 10 ms, as the encoder's front end."""
    if not windows:
        return np.zeros((0, 2 * MFCCS), np.float32)
    mel = features.mel_power(pcm)  # 40 bands of features.mel_filterbank(), one row per 10 ms
    cepstra = scipy.fft.dct(np.log(mel + 1e-10), type=2, norm="ortho", axis=1)[:, 1 : MFCCS + 1]
    out = np.zeros((len(windows), 2 * MFCCS), np.float32)
    for i, (a, b) in enumerate(windows):
        lo = max(0, int(round(a * 100)))
        hi = max(lo + 1, min(len(cepstra), int(round(b * 100))))
        part = cepstra[lo:hi]
        out[i] = np.concatenate([part.mean(0), part.std(0)])
    return out


def zscored(chunks: list[Voices]) -> list[Voices]:
    """The chunks' baseline prints z-scored over the whole file (per dimension)."""
    everything = np.concatenate([c.prints for c in chunks]) if chunks else np.zeros((0, 2 * MFCCS))
    if len(everything) < 2:
        return chunks
    mean, std = everything.mean(0), everything.std(0) + 1e-6
    return [Voices(c.speech, c.windows, ((c.prints - mean) / std).astype(np.float32), c.high_band) for c in chunks]


def listen(item: Input, pcm: np.ndarray, listener: Listener) -> None:
    """Fill ``item``'s chunks: the system's voices and the baseline's, in video time."""
    system, baseline = [], []
    for start, part in chunks_of(pcm):
        voices = listener.voices(part)
        wide = (1.0,) * len(voices.windows)  # the baseline has one threshold: every window counts as wideband
        mfcc = Voices(voices.speech, voices.windows, mfcc_prints(part, list(voices.windows)), wide)
        system.append(voices.shift(start))
        baseline.append(mfcc.shift(start))
        item.chunk_seconds.append(round(len(part) / C.SAMPLE_RATE, 2))
    item.chunks, item.baseline = system, zscored(baseline)


# ----------------------------------------------------------------------------------- scoring


def hypothesis(chunks: list[Voices], complete: bool, options: ClusterOptions) -> list[Segment]:
    return [(t.start, t.end, t.speaker) for t in speaker_turns(chunks, complete, options)]


def scored(item: Input, chunks: list[Voices], options: ClusterOptions, stream: bool = True) -> dict:
    """DER of the final labels (and of the streamed ones), as a row."""
    final = score(item.reference, hypothesis(chunks, True, options), COLLAR)
    row = {"input": item.name, "set": item.group, **score_fields(final)}
    if stream:
        streamed = score(item.reference, hypothesis(chunks, False, options), COLLAR)
        row["streamed_der"] = round(streamed.der, 4)
        row["streamed_speakers"] = streamed.hypothesis_speakers
    return row


def score_fields(s: Score) -> dict:
    return {"der": round(s.der, 4), "missed": round(s.missed, 4), "false_alarm": round(s.false_alarm, 4),
            "confusion": round(s.confusion, 4), "scored_seconds": round(s.scored_seconds, 1),
            "reference_speakers": s.reference_speakers, "found_speakers": s.hypothesis_speakers}


def options_of(threshold: float, least: int, share: float = DEFAULT.min_speaker_share,
               narrow: float = DEFAULT.narrowband_threshold) -> ClusterOptions:
    return ClusterOptions(threshold=threshold, narrowband_threshold=narrow, min_speaker_windows=least,
                          min_speaker_share=share)


def options_in(row: dict) -> ClusterOptions:
    """The options a sweep row was scored with."""
    return options_of(row["threshold"], row["min_speaker_windows"], row["min_speaker_share"],
                      row.get("narrowband_threshold", DEFAULT.narrowband_threshold))


def options_text(options: ClusterOptions) -> str:
    return (f"{options.threshold} ({options.narrowband_threshold} narrowband), {options.min_speaker_windows}, "
            f"{100 * options.min_speaker_share:g} %")


def tuning_row(per: list[dict]) -> dict:
    """What a sweep keeps of one setting's rows on the tuning inputs: mean DER, counts right, and
    each input's DER and speakers found."""
    return {"mean_der": round(statistics.mean(r["der"] for r in per), 4),
            "counts_right": sum(r["found_speakers"] == r["reference_speakers"] for r in per),
            "der": {r["input"]: r["der"] for r in per},
            "found": {r["input"]: r["found_speakers"] for r in per}}


def sweep(dev: list[Input], thresholds: list[float], baseline: bool) -> tuple[list[dict], dict]:
    """Every (threshold, min_speaker_windows, min_speaker_share) on the DEV inputs' final labels,
    and the chosen one: most DEV inputs with the right count, then the lowest mean DER; a tie goes
    to the setting nearest the library's default (threshold, then min_speaker_windows, then
    min_speaker_share)."""
    rows = []
    for share in MIN_SPEAKER_SHARES:
        for least in MIN_SPEAKER_WINDOWS:
            for threshold in thresholds:
                options = options_of(threshold, least, share)
                per = [scored(item, item.baseline if baseline else item.chunks, options, stream=False) for item in dev]
                rows.append({"threshold": threshold, "min_speaker_windows": least, "min_speaker_share": share,
                             **tuning_row(per)})
    best = min(rows, key=lambda r: (-r["counts_right"], r["mean_der"], abs(r["threshold"] - DEFAULT.threshold),
                                    abs(r["min_speaker_windows"] - DEFAULT.min_speaker_windows),
                                    abs(r["min_speaker_share"] - DEFAULT.min_speaker_share)))
    return rows, best


def narrowband_sweep(phone_dev: list[Input], wide: ClusterOptions, thresholds: list[float]) -> tuple[list[dict], dict]:
    """``narrowband_threshold`` on the PHONE_DEV inputs' final labels, the rest of ``wide`` kept; the
    chosen one by ``sweep``'s rule (a tie goes to the value nearest the library's default)."""
    rows = []
    for threshold in thresholds:
        options = replace(wide, narrowband_threshold=threshold)
        per = [scored(item, item.chunks, options, stream=False) for item in phone_dev]
        rows.append({"narrowband_threshold": threshold, **tuning_row(per)})
    best = min(rows, key=lambda r: (-r["counts_right"], r["mean_der"],
                                    abs(r["narrowband_threshold"] - DEFAULT.narrowband_threshold)))
    return rows, best


def sweep_table(rows: list[dict], thresholds: list[float], count: int) -> str:
    """Threshold down, (min_speaker_windows, min_speaker_share) across: mean DEV DER % and counts
    right / count."""
    combos = [(m, share) for share in MIN_SPEAKER_SHARES for m in MIN_SPEAKER_WINDOWS]
    out = [("threshold", *[f"msw={m} share={100 * share:g}%: DER% right/{count}" for m, share in combos])]
    for t in thresholds:
        cells = []
        for m, share in combos:
            r = next(r for r in rows if r["threshold"] == t and r["min_speaker_windows"] == m
                     and r["min_speaker_share"] == share)
            cells.append(f"{100 * r['mean_der']:5.1f}  {r['counts_right']}")
        out.append((f"{t:.3f}", *cells))
    return table(out)


def separability(item: Input) -> dict:
    """How far apart the reference speakers' GE2E prints lie, against how spread one speaker's
    are: for the windows wholly (95 %) inside one speaker's speech, each speaker's mean pairwise
    cosine distance (``1 - |mean print|^2``, the average-linkage distance of a group to itself) and
    the average-linkage distance of the closest pair of speakers. A pair closer than the threshold
    is merged by any threshold that keeps the speakers whole."""
    prints = np.concatenate([c.prints for c in item.chunks]).astype(np.float64)
    unit = prints / np.maximum(np.linalg.norm(prints, axis=1, keepdims=True), 1e-12)
    windows = [w for c in item.chunks for w in c.windows]
    means = {}
    for name in sorted({k for _, _, k in item.reference}):
        own = [(a, b) for a, b, k in item.reference if k == name]
        inside = [i for i, (s, e) in enumerate(windows)
                  if sum(max(0.0, min(e, b) - max(s, a)) for a, b in own) >= 0.95 * (e - s)]
        if inside:
            means[name] = unit[inside].mean(0)
    names = sorted(means)
    pairs = [(1 - float(means[a] @ means[b]), a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    closest = min(pairs) if pairs else (float("nan"), "", "")
    return {"within_max": round(max(1 - float(m @ m) for m in means.values()), 3) if means else None,
            "closest_pair": round(closest[0], 3), "closest_pair_speakers": [closest[1], closest[2]]}


def library_state() -> str:
    """sha256 (12 hex) of streams/speakers/*.py as they are now: the library code a run measured,
    committed or not (it was being changed while this benchmark was written)."""
    digest = hashlib.sha256()
    for path in sorted((Path(__file__).resolve().parents[1] / "streams" / "speakers").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


# ----------------------------------------------------------------------------------- stability


def label_map(reference: list[Segment], hyp: list[Segment]) -> dict:
    """Each reference speaker's hypothesis labels: the labels whose time overlaps that speaker
    most, with the share of the speaker's time each holds."""
    ref_names = sorted({k for _, _, k in reference})
    hyp_names = sorted({k for _, _, k in hyp})
    overlap = np.zeros((len(ref_names), len(hyp_names)))
    for a, b, r in reference:
        for c, d, h in hyp:
            o = min(b, d) - max(a, c)
            if o > 0:
                overlap[ref_names.index(r), hyp_names.index(h)] += o
    out = {r: {} for r in ref_names}
    for j, h in enumerate(hyp_names):
        if overlap[:, j].max() > 0:
            i = int(overlap[:, j].argmax())
            out[ref_names[i]][h] = round(overlap[i, j] / max(overlap[i].sum(), 1e-9), 4)
    return out


def stability(item: Input, options: ClusterOptions) -> dict:
    final = hypothesis(item.chunks, True, options)
    streamed = hypothesis(item.chunks, False, options)
    mapped, mapped_streamed = label_map(item.reference, final), label_map(item.reference, streamed)
    return {"input": item.name, "minutes": round(item.duration / 60, 1), "reference_speakers": item.speakers,
            "final_labels": len({k for _, _, k in final}), "streamed_labels": len({k for _, _, k in streamed}),
            "final_map": mapped, "streamed_map": mapped_streamed,
            "never_splits": all(len(v) == 1 for v in mapped.values()),
            "streamed_never_splits": all(len(v) == 1 for v in mapped_streamed.values()),
            "final_der": round(score(item.reference, final, COLLAR).der, 4),
            "streamed_der": round(score(item.reference, streamed, COLLAR).der, 4)}


# ----------------------------------------------------------------------------------- cost


def encoder_cost(pcm: np.ndarray, threads: int) -> dict:
    """Seconds per audio minute of VAD, windows + mels, and the encoder, chunk by chunk as the
    pipeline runs them, with onnxruntime on ``threads`` threads (Silero VAD always runs on one)."""
    listener = Listener(threads=threads)
    listener.voices(pcm[: 30 * C.SAMPLE_RATE])  # warm up
    vad = mels = encode = mfcc = 0.0
    for _, part in chunks_of(pcm):
        t0 = time.perf_counter()
        speech = listener.speech(part)
        t1 = time.perf_counter()
        windows = features.windows_of(speech)
        window_mels = features.window_mels(part, windows)
        t2 = time.perf_counter()
        if windows:
            embed_grouped(window_mels, listener.encoder.embed)
        t3 = time.perf_counter()
        mfcc_prints(part, [(w.start, w.end) for w in windows])
        t4 = time.perf_counter()
        vad, mels, encode, mfcc = vad + t1 - t0, mels + t2 - t1, encode + t3 - t2, mfcc + t4 - t3
    minutes = len(pcm) / C.SAMPLE_RATE / 60
    return {"threads": threads, "vad": vad / minutes, "windows_mels": mels / minutes, "encoder": encode / minutes,
            "total": (vad + mels + encode) / minutes, "baseline_mfcc": mfcc / minutes, "load": os.getloadavg()[0]}


def encoder_costs(pcm: np.ndarray, rounds: int) -> list[dict]:
    """``encoder_cost`` on 1 and 2 threads in alternating order, ``rounds`` times each; medians
    (seconds per audio minute), with every round's total and the 1-minute load averages seen."""
    runs: dict[int, list[dict]] = {1: [], 2: []}
    for k in range(rounds):
        for threads in ((1, 2) if k % 2 == 0 else (2, 1)):
            runs[threads].append(encoder_cost(pcm, threads))
    out = []
    for threads, got in runs.items():
        row = {"threads": threads, "audio_minutes": round(len(pcm) / C.SAMPLE_RATE / 60, 2), "rounds": rounds}
        for key in ("vad", "windows_mels", "encoder", "total", "baseline_mfcc"):
            row[f"{key}_s_per_min"] = round(statistics.median(g[key] for g in got), 4)
        row["total_s_per_min_each_round"] = [round(g["total"], 4) for g in got]
        row["load_average_1min"] = [round(g["load"], 2) for g in got]
        out.append(row)
    return out


def clustering_cost(item: Input, options: ClusterOptions, rounds: int = 3) -> dict:
    out = {"input": item.name, "minutes": round(item.duration / 60, 1),
           "windows": sum(len(c.windows) for c in item.chunks), "chunks": len(item.chunks)}
    for complete in (True, False):
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            speaker_turns(item.chunks, complete, options)
            times.append(time.perf_counter() - t0)
        out["final_s" if complete else "streamed_s"] = round(statistics.median(times), 3)
    return out


def pipeline_share(per_minute: float, clustering_s: float, minutes: float = 60.0) -> dict:
    """An estimate: diarization's seconds for a ``minutes`` talk beside the e2e run's, scaled."""
    diarize = per_minute * minutes + clustering_s
    out = {"estimate": True, "minutes": minutes, "diarization_seconds": round(diarize, 1)}
    if not E2E.is_file():
        return out
    e2e = json.loads(E2E.read_text())
    scale = minutes * 60 / e2e["video_seconds"]
    transcribe = e2e["stages"]["transcribe"]
    pipeline = e2e["total_seconds"] * scale
    stage = (transcribe["end"] - transcribe["start"]) * scale
    out.update({
        "e2e_video_minutes": round(e2e["video_seconds"] / 60, 1), "e2e_total_seconds": round(e2e["total_seconds"], 1),
        "e2e_realtime_factor": round(e2e["realtime_factor"], 2), "scale": round(scale, 2),
        "pipeline_seconds_scaled": round(pipeline, 1), "transcribe_seconds_scaled": round(stage, 1),
        "share_of_pipeline": round(diarize / (pipeline + diarize), 4),
        "share_of_transcribe_stage": round(diarize / (stage + diarize), 4),
        "note": "e2e.json is a 10-minute run made before diarization existed (no speaker encoder in it), "
                "scaled linearly to the talk's length: an estimate. Its render time does not grow with "
                "the talk's length, so the pipeline's share is if anything an overestimate of the "
                "pipeline's time; the transcribe stage is what diarization runs beside.",
    })
    return out


# ----------------------------------------------------------------------------------- report


def pct(x: float) -> str:
    return f"{100 * x:.1f}"


def system_table(items: list[Input], rows: dict[str, dict]) -> str:
    out = [("set", "input", "spk ref", "found", "DER%", "miss%", "FA%", "conf%", "streamed DER%", "streamed n",
            "within", "closest pair")]
    for item in items:
        s = rows[item.name]
        out.append((item.group, item.name, str(item.speakers), str(s["found_speakers"]), pct(s["der"]),
                    pct(s["missed"]), pct(s["false_alarm"]), pct(s["confusion"]), pct(s["streamed_der"]),
                    str(s["streamed_speakers"]), f"{s['within_max']:.3f}", f"{s['closest_pair']:.3f}"))
    return table(out)


def comparison_table(items: list[Input], rows: dict[str, dict[str, dict]], names: dict[str, str]) -> str:
    """DER % and speakers found, per variant (``names``: variant to column title)."""
    out = [("set", "input", "spk ref", *[f"{title} DER% n" for title in names.values()])]
    for item in items:
        cells = []
        for variant in names:
            r = rows[variant][item.name]
            mark = "" if r["found_speakers"] == item.speakers else "*"
            cells.append(f"{pct(r['der']):>5} {r['found_speakers']}{mark}")
        out.append((item.group, item.name, str(item.speakers), *cells))
    return table(out)


def goals(items: list[Input], rows: dict[str, dict], baseline: dict[str, dict], splits: list[dict]) -> list[dict]:
    """Each goal on the scored inputs (not DEV): which inputs miss it and by how much."""
    out = []
    for label, want, limit in (("DER <= 10 % with two speakers", lambda n: n == 2, GOAL_DER_TWO),
                               ("DER <= 15 % with three to five", lambda n: 3 <= n <= 5, GOAL_DER_MANY)):
        on = [i for i in items if want(i.speakers)]
        misses = {i.name: round(rows[i.name]["der"] - limit, 4) for i in on if rows[i.name]["der"] > limit}
        out.append({"goal": label, "inputs": len(on), "met": not misses, "misses_by": misses})
    wrong = {i.name: rows[i.name]["found_speakers"] - i.speakers for i in items
             if rows[i.name]["found_speakers"] != i.speakers}
    out.append({"goal": "speaker count right on every input", "inputs": len(items), "met": not wrong,
                "misses_by": wrong})
    worse = {i.name: round(rows[i.name]["der"] - baseline[i.name]["der"], 4) for i in items
             if rows[i.name]["der"] >= baseline[i.name]["der"]}
    out.append({"goal": "DER below the MFCC baseline on every input", "inputs": len(items), "met": not worse,
                "misses_by": worse})
    if splits:
        split = {s["input"]: {k: v for k, v in s["final_map"].items() if len(v) != 1} for s in splits
                 if not s["never_splits"]}
        out.append({"goal": "one speaker never splits into two labels (final)", "inputs": len(splits),
                    "met": not split, "misses_by": split})
    return out


def goals_table(found: list[dict]) -> str:
    def miss(k: str, v) -> str:
        if isinstance(v, float):
            return f"{k} {100 * v:+.2f} pts"
        if isinstance(v, dict):  # a split: each reference speaker's labels and their shares
            return f"{k} " + "; ".join(f"{r}: " + ",".join(f"{h} {x:.1%}" for h, x in d.items()) for r, d in v.items())
        return f"{k} {v:+d}"

    out = [("goal", "inputs", "verdict", "misses (by how much)")]
    for g in found:
        out.append((g["goal"], str(g["inputs"]), "PASS" if g["met"] else "FAIL",
                    ", ".join(miss(k, v) for k, v in g["misses_by"].items()) or "-"))
    return table(out)


def labels_text(mapping: dict) -> str:
    return "; ".join(f"{k}: " + ",".join(f"{h} {v:.1%}" for h, v in sorted(d.items(), key=lambda x: -x[1]))
                     for k, d in mapping.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="pyannote_sample and dev-2spk-10m only (smoke)")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime threads for the quality runs")
    parser.add_argument("--cost-rounds", type=int, default=3, help="timed passes per thread count")
    parser.add_argument("--out", type=Path, default=None, help=f"results JSON (default {RESULTS}; none with --quick)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    library = library_state()
    out_path = args.out or (None if args.quick else RESULTS)

    loaders = [("pyannote", pyannote_input)]
    dev_specs = C.DEV[:1] if args.quick else C.DEV
    loaders += [("dev", lambda s=s: conversation_input(s, "dev")) for s in dev_specs]
    if not args.quick:
        loaders += [("test", lambda s=s: conversation_input(s, "test")) for s in C.TEST]
        loaders += [("held_out", lambda s=s: conversation_input(s, "held_out")) for s in C.HELD_OUT]
        for group, specs in (("phone_dev", C.PHONE_DEV), ("phone_test", C.PHONE_TEST),
                             ("phone_held_out", C.PHONE_HELD_OUT)):
            loaders += [(group, lambda s=s, g=group: conversation_input(s, g)) for s in specs]
        loaders += [("podcast", podcast_input), ("stability", lambda: conversation_input(STABILITY_60, "stability"))]

    listener = Listener(threads=args.threads)
    items: list[Input] = []
    long_pcm = None
    for _, load in loaders:
        t0 = time.perf_counter()
        item, pcm = load()
        listen(item, pcm, listener)
        if item.name == C.TEST[3].uri:
            long_pcm = pcm  # the 30-minute conversation, timed below
        items.append(item)
        print(f"{item.group:9} {item.name:24} {item.duration / 60:5.1f} min  {len(item.chunks):2} chunks  "
              f"{sum(len(c.windows) for c in item.chunks):5} windows  {time.perf_counter() - t0:5.1f} s", flush=True)
    dev = [i for i in items if i.group == "dev"]
    phone_dev = [i for i in items if i.group == "phone_dev"]
    scored_items = [i for i in items
                    if i.group in ("pyannote", "test", "held_out", "phone_test", "phone_held_out", "podcast")]

    # Tuning on DEV, one rule for both.
    sweeps, best = {}, {}
    for variant, grid in (("system", THRESHOLDS), ("baseline", BASELINE_THRESHOLDS)):
        sweeps[variant], best[variant] = sweep(dev, grid, baseline=variant == "baseline")
    chosen = options_in(best["system"])
    if phone_dev:
        sweeps["narrowband"], best["narrowband"] = narrowband_sweep(phone_dev, chosen, THRESHOLDS)
        chosen = replace(chosen, narrowband_threshold=best["narrowband"]["narrowband_threshold"])
    baseline_options = options_in(best["baseline"])
    print(f"\nDEV sweep (the tuning set: {', '.join(i.name for i in dev)}): mean DER % of the final labels, and on "
          f"how many the speaker count is right")
    for variant, grid, title in (("system", THRESHOLDS, "GE2E"), ("baseline", BASELINE_THRESHOLDS, "MFCC baseline")):
        print(f"\n{title}:")
        print(sweep_table(sweeps[variant], grid, len(dev)))
    if phone_dev:
        print(f"\nnarrowband_threshold on PHONE_DEV ({', '.join(i.name for i in phone_dev)}), the rest as chosen on "
              f"DEV: mean DER % and counts right / {len(phone_dev)}")
        print(table([("narrowband threshold", "mean DER %", "counts right", "found")]
                    + [(f"{r['narrowband_threshold']:.3f}", pct(r["mean_der"]), str(r["counts_right"]),
                        " ".join(str(n) for n in r["found"].values())) for r in sweeps["narrowband"]]))
    print(f"\nchosen on DEV (threshold, min_speaker_windows, min_speaker_share): GE2E {options_text(chosen)} "
          f"(DEV mean DER {pct(best['system']['mean_der'])} %, {best['system']['counts_right']}/{len(dev)} counts "
          f"right); library default {options_text(DEFAULT)}; MFCC baseline {options_text(baseline_options)}")

    shown = dev + phone_dev + scored_items
    rows = {
        "system": {i.name: scored(i, i.chunks, chosen) for i in shown},
        "default": {i.name: scored(i, i.chunks, DEFAULT) for i in shown},
        "baseline": {i.name: scored(i, i.baseline, baseline_options) for i in shown},
    }
    for i in shown:
        rows["system"][i.name].update(separability(i))
    print(f"\nGE2E at the DEV choice ({options_text(chosen)}), per input (DEV: the "
          f"tuning set). Final labels, and the streamed ones (complete=False); within: the most spread speaker's "
          f"mean pairwise cosine distance, closest pair: the average-linkage distance of the two closest speakers")
    print(system_table(shown, rows["system"]))
    print("\nDER % and speakers found (* wrong count), final labels:")
    print(comparison_table(shown, rows, {
        "system": f"GE2E DEV choice ({options_text(chosen)})",
        "default": f"GE2E default ({options_text(DEFAULT)})",
        "baseline": f"MFCC ({options_text(baseline_options)})"}))
    print("default streamed (complete=False) DER % n: " + ", ".join(
        f"{i.name} {pct(rows['default'][i.name]['streamed_der'])} {rows['default'][i.name]['streamed_speakers']}"
        for i in shown))

    splits = []
    if not args.quick:
        for name in (C.TEST[3].uri, STABILITY_60.uri):
            item = next(i for i in items if i.name == name)
            for label, options in (("chosen", chosen), ("default", DEFAULT)):
                splits.append({"options": label, **stability(item, options)})
        print("\nStability: each reference speaker's labels (share of its time), final and streamed")
        srows = [("input", "options", "final n", "streamed n", "final labels per speaker",
                  "streamed labels per speaker", "one label each (final/streamed)")]
        for s in splits:
            srows.append((s["input"], s["options"], str(s["final_labels"]), str(s["streamed_labels"]),
                          labels_text(s["final_map"]), labels_text(s["streamed_map"]),
                          f"{'yes' if s['never_splits'] else 'NO'}/{'yes' if s['streamed_never_splits'] else 'NO'}"))
        print(table(srows))

    verdicts = {}
    for variant, label in (("system", f"the DEV choice ({options_text(chosen)})"),
                           ("default", f"the library default ({options_text(DEFAULT)})")):
        verdicts[variant] = goals(scored_items, rows[variant], rows["baseline"],
                                  [s for s in splits if s["options"] == {"system": "chosen"}.get(variant, variant)])
        print(f"\nGoals, GE2E at {label}, on {', '.join(i.name for i in scored_items)}:")
        print(goals_table(verdicts[variant]))

    cost = {}
    if not args.quick and long_pcm is not None:
        cost["encoder"] = encoder_costs(long_pcm, args.cost_rounds)
        sixty = next(i for i in items if i.name == STABILITY_60.uri)
        cost["clustering"] = clustering_cost(sixty, chosen)
        worst = max(c["total_s_per_min"] for c in cost["encoder"])
        cost["pipeline_share"] = pipeline_share(worst, cost["clustering"]["final_s"])
        print(f"\nCost on this machine ({os.cpu_count()} CPUs, shared; {C.TEST[3].uri}, "
              f"{cost['encoder'][0]['audio_minutes']} audio minutes chunked as the pipeline; median of "
              f"{args.cost_rounds} alternating rounds), seconds per audio minute:")
        crow = [("onnxruntime threads", "VAD", "windows+mels", "encoder", "total", "total each round",
                 "(MFCC baseline)", "load avg (1 min)")]
        for c in cost["encoder"]:
            crow.append((str(c["threads"]), f"{c['vad_s_per_min']:.3f}", f"{c['windows_mels_s_per_min']:.3f}",
                         f"{c['encoder_s_per_min']:.3f}", f"{c['total_s_per_min']:.3f}",
                         " ".join(f"{x:.3f}" for x in c["total_s_per_min_each_round"]),
                         f"{c['baseline_mfcc_s_per_min']:.3f}", " ".join(f"{x:.1f}" for x in c["load_average_1min"])))
        print(table(crow))
        k = cost["clustering"]
        print(f"clustering a {k['minutes']:.0f}-minute video ({k['windows']} windows, {k['chunks']} chunks): "
              f"speaker_turns(complete=True) {k['final_s']:.2f} s, complete=False {k['streamed_s']:.2f} s "
              f"(median of 3)")
        share = cost["pipeline_share"]
        if "share_of_pipeline" in share:
            print(f"ESTIMATE for a 60-minute talk: diarization {share['diarization_seconds']:.0f} s (the slower "
                  f"thread count's {worst:.3f} s/min x 60 + clustering) against the e2e run's "
                  f"{share['e2e_total_seconds']:.0f} s for {share['e2e_video_minutes']:.0f} minutes (realtime factor "
                  f"{share['e2e_realtime_factor']}) scaled x{share['scale']:.0f} = {share['pipeline_seconds_scaled']:.0f}"
                  f" s: {share['share_of_pipeline']:.1%} of the pipeline; {share['share_of_transcribe_stage']:.1%} "
                  f"beside the transcribe stage ({share['transcribe_seconds_scaled']:.0f} s scaled). {share['note']}")

    if library_state() != library:
        print("WARNING: streams/speakers changed while this ran; rerun for numbers of one library state")
    if out_path:
        write_results(
            out_path, "diarization",
            {v: list(r.values()) for v, r in rows.items()},
            args={"quick": args.quick, "threads": args.threads, "collar": COLLAR, "cost_rounds": args.cost_rounds},
            commit=commit(), library={"streams_speakers_sha256": library,
                                      "changed_during_run": library_state() != library},
            inputs=[{"input": i.name, "set": i.group, "minutes": round(i.duration / 60, 2), "speakers": i.speakers,
                     "note": i.note, "chunks": len(i.chunks), "windows": sum(len(c.windows) for c in i.chunks)}
                    for i in shown + [i for i in items if i.group == "stability"]],
            chosen={"system": asdict(chosen), "baseline": asdict(baseline_options), "default": asdict(DEFAULT),
                    "rule": "DEV only: most DEV conversations with the speaker count right, then lowest mean DER, "
                            "then nearest the library default; narrowband_threshold likewise on PHONE_DEV"},
            sweep=sweeps,
            goals={"targets": {"der_two_speakers": GOAL_DER_TWO, "der_three_to_five": GOAL_DER_MANY},
                   "scored_inputs": [i.name for i in scored_items],
                   "chosen": verdicts["system"], "default": verdicts["default"]},
            stability=splits, cost=cost, wall_seconds=round(time.perf_counter() - started, 1),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
