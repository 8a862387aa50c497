"""Who holds the floor in the ranking (streams.moments.conversation): a clip never stops in the
middle of an answer, a question answered whole scores as an exchange, a clip that cuts into a turn
loses and says so, and a talk with one voice (or none known) ranks exactly as before."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from streams.domain.transcript import TranscriptChunk
from streams.moments.conversation import ANSWERED, EXCHANGE, NEUTRAL, QUESTION_TAIL, UNANSWERED, Conversation
from streams.moments.evidence import Evidence
from streams.moments.scoring import score_window, signal_values
from streams.moments.windows import Window, candidate_windows
from streams.moments.lengths import LengthRange
from streams.moments.selection import StreamingSelector, answers_kept
from streams.moments.sentences import build_sentences
from streams.moments.streaming import MomentStream
from streams.prosody.pitch import PitchTrack
from streams.speakers.voices import Voices
from tests.unit.moments_text import timed_words

HOST = "So what happened when the boat lost its mast in the storm that night?"
ANSWER = (
    "We were forty miles out and the wind came round very fast. "
    "I tied myself to the rail and waited for the worst of it. "
    "By morning the sea was flat and we were still afloat somehow."
)
LATER = "That is a remarkable story about the sea and the people on it. Let us move on to the next part."


def spoken(turns: list[tuple[str, str]], start: float = 0.0):
    """Timed words of ``(speaker, text)`` turns one after another, each word given its speaker."""
    words = []
    t = start
    for speaker, text in turns:
        part = timed_words(text, start=t)
        words += [replace(w, speaker=speaker) for w in part]
        t = part[-1].end + 0.8
    return words


def sentences_of(turns):
    return build_sentences(spoken(turns))


def test_a_question_answered_by_another_voice_is_an_answer_that_runs_to_the_end_of_the_turn():
    s = sentences_of([("S1", HOST), ("S2", ANSWER), ("S1", LATER)])
    talk = Conversation(s)
    assert talk.active and talk.voices == 2
    (answer,) = talk.answers
    assert answer.question == 0 and answer.last == 3  # three sentences of S2's answer
    assert not talk.holds_whole_answers(s[:3])  # stops after two sentences of it
    assert talk.holds_whole_answers(s[:4])
    assert talk.holds_whole_answers(s[2:])  # starts inside the answer: an excerpt, not a cut
    assert talk.exchange(s[:4]) == ANSWERED
    assert talk.exchange(s[1:4]) == NEUTRAL  # the answer alone is one voice
    # stops on the first words of the next turn: an exchange, less a cut edge
    assert talk.exchange(s[:5]) == ANSWERED - 0.25
    assert talk.exchange(s[2:5]) == EXCHANGE - 0.25 - 0.25  # opens on a tail, stops on a start


def test_a_question_followed_by_a_clause_of_the_askers_is_still_answered_by_the_next_voice():
    """An interviewer adds a clause after the question mark (or a recognizer splits one question in
    two): the next voice's turn still answers it, so a clip that shows the question stops after the
    whole answer, not in its middle."""
    asked = HOST + " Out there on your own in the dark."
    s = sentences_of([("S1", asked), ("S2", ANSWER), ("S1", LATER)])
    talk = Conversation(s)
    (answer,) = talk.answers
    assert (answer.question, answer.first, answer.last) == (0, 2, 4)
    assert not talk.holds_whole_answers(s[:4])  # the question, its clause, two sentences of the answer
    assert talk.holds_whole_answers(s[:5])
    assert talk.exchange(s[:5]) == ANSWERED
    assert talk.holds_whole_answers(s[1:4])  # opens after the question: an excerpt, not a cut answer
    # a question further back in the turn than QUESTION_TAIL sentences is not what the next voice answers
    rambling = HOST + " " + " ".join(["The wind was up that night."] * (QUESTION_TAIL + 1))
    s = sentences_of([("S1", rambling), ("S2", ANSWER)])
    assert Conversation(s).answers == ()


def test_a_clip_that_asks_and_stops_before_the_answer_loses_and_says_why():
    """The host's lead-in and question alone leave the viewer without the reply that comes next:
    such a window loses ``UNANSWERED`` and its reason says so; the same lead-in without the
    question, or the question with its whole answer, does not."""
    lead_in = "Thank you all for listening to the show this week. We have a special guest with us today."
    s = sentences_of([("S1", lead_in + " " + HOST), ("S2", ANSWER), ("S1", LATER)])
    talk = Conversation(s)
    asking, lead = s[:3], s[:2]
    assert talk.asks_unanswered(asking) and not talk.asks_unanswered(lead)
    assert talk.exchange(asking) == NEUTRAL - UNANSWERED
    assert talk.exchange(lead) == NEUTRAL
    assert not talk.asks_unanswered(s[:6]) and talk.exchange(s[:6]) == ANSWERED
    evidence = Evidence(conversation=talk)
    reason = score_window(Window(tuple(asking)), evidence).reason
    assert "stops before the answer to its question" in reason and "cuts into" not in reason
    # while the answer is not heard yet (a talk still streaming, two voices known), nothing is
    # taken as unanswered: the question at its newest sentence may be answered by the next chunk
    streaming = sentences_of([("S2", ANSWER), ("S1", lead_in + " " + HOST)])
    talk = Conversation(streaming, complete=False)
    assert talk.active and talk.answers == ()
    asked_last = streaming[3:]
    assert not talk.asks_unanswered(asked_last) and talk.exchange(asked_last) == NEUTRAL


def test_while_streaming_the_last_turn_may_go_on():
    s = sentences_of([("S1", HOST), ("S2", ANSWER)])
    assert Conversation(s, complete=True).holds_whole_answers(s)
    streaming = Conversation(s, complete=False)
    assert not streaming.holds_whole_answers(s)
    assert streaming.exchange(s) == EXCHANGE - 0.25  # the answer may go on: an exchange whose end is open


@pytest.mark.parametrize("speakers", [None, "S1"])
def test_one_voice_or_none_known_changes_nothing(speakers):
    words = [replace(w, speaker=speakers) for w in spoken([("x", HOST), ("x", ANSWER), ("x", LATER)])]
    s = build_sentences(words)
    talk = Conversation(s)
    assert not talk.active
    assert all(talk.holds_whole_answers(s[i : i + 2]) for i in range(len(s) - 1))
    assert talk.exchange(s) == NEUTRAL
    evidence = Evidence(conversation=talk)
    assert answers_kept(evidence)(Window(tuple(s[:2])))
    window = Window(tuple(s))
    # the same score as with no conversation at all, and nothing said of voices
    assert score_window(window, evidence) == score_window(window, Evidence())


def _podcast(rounds: int = 4):
    """A host asks, a guest answers at length, ``rounds`` times."""
    turns = []
    for _ in range(rounds):
        turns += [("S1", HOST), ("S2", ANSWER + " " + ANSWER)]
    return sentences_of(turns)


def test_no_candidate_and_no_pick_stops_in_the_middle_of_an_answer():
    s = _podcast()
    talk = Conversation(s)
    evidence = Evidence(conversation=talk)
    length = LengthRange(10.0, 40.0)
    windows = list(candidate_windows(s, *length.limits))
    cut = [w for w in windows if not answers_kept(evidence)(w)]
    assert cut, "the talk has windows that stop mid-answer"
    selector = StreamingSelector(count=4, video_duration=s[-1].end, length=length)
    picks = selector.advance(s, s[-1].end, True, evidence)
    assert picks
    for pick in picks:
        inside = tuple(x for x in s if x.start >= pick.start and x.end <= pick.end)
        assert talk.holds_whole_answers(inside), (pick.start, pick.end)
    # a pick that holds a question holds its whole answer, and is named for it
    asked = [p for p in picks if any(x.ending == "?" for x in s if pick_holds(p, x))]
    for pick in asked:
        assert pick.signals["exchange"] >= ANSWERED - 0.25


def pick_holds(pick, sentence) -> bool:
    return sentence.start >= pick.start and sentence.end <= pick.end


def test_a_question_with_its_whole_answer_outranks_the_same_talk_cut_into_a_turn_and_says_why():
    s = sentences_of([("S1", HOST), ("S2", ANSWER), ("S1", LATER)])
    evidence = Evidence(conversation=Conversation(s))
    whole, cut_in = Window(tuple(s[:4])), Window(tuple(s[2:5]))
    assert signal_values(whole, evidence)["exchange"] > signal_values(cut_in, evidence)["exchange"]
    assert "a question and its whole answer" in score_window(whole, evidence).reason
    assert "cuts into someone's turn" in score_window(cut_in, evidence).reason


def _chunk(index: int, words, start: float, end: float, voices: Voices | None) -> TranscriptChunk:
    return TranscriptChunk(
        chunk_index=index,
        start_s=start,
        end_s=end,
        language="en",
        words=tuple(words),
        voices=voices.as_json() if voices is not None else None,
        event_id=f"e{index}",
    )


def _voices_of(turns: list[tuple[float, float, int]], centres: np.ndarray) -> Voices:
    """Voices whose windows (every 0.75 s, 1.5 s long) print as ``centres[k]`` over each turn."""
    speech, windows, prints = [], [], []
    for a, b, k in turns:
        speech.append((a, b))
        t = a
        while t + 1.5 <= b + 1e-6:
            windows.append((round(t, 3), round(t + 1.5, 3)))
            prints.append(centres[k])
            t += 0.75
    return Voices(tuple(speech), tuple(windows), np.asarray(prints, dtype=np.float16))


def test_the_moment_stream_learns_who_speaks_from_the_chunks_voices():
    """Chunks stored with voices (and words without speakers, as Whisper gives them): the stream
    labels the words itself, so its picks keep answers whole; the same chunks without voices rank
    as before, with no speaker at all."""
    words = spoken([("S1", HOST), ("S2", ANSWER + " " + ANSWER), ("S1", HOST), ("S2", ANSWER)])
    turns, current, since = [], words[0].speaker, words[0].start
    for a, b in zip(words, words[1:]):
        if b.speaker != current:
            turns.append((since, a.end, 0 if current == "S1" else 1))
            current, since = b.speaker, b.start
    turns.append((since, words[-1].end, 0 if current == "S1" else 1))
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2, 256))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    bare = [replace(w, speaker=None) for w in words]
    middle = words[len(words) // 2].start
    halves = [(0.0, middle), (middle, words[-1].end + 1)]
    length = LengthRange(10.0, 40.0)

    def chunks(with_voices: bool):
        out = []
        for i, (a, b) in enumerate(halves):
            inside = [w for w in bare if a <= w.start < b]
            spans = [(max(x, a), min(y, b), k) for x, y, k in turns if x < b and y > a and min(y, b) - max(x, a) >= 1.5]
            out.append(_chunk(i, inside, a, b, _voices_of(spans, centres) if with_voices else None))
        return out

    for with_voices in (True, False):
        stream = MomentStream(count=3, length=length)
        whole = chunks(with_voices)
        stream.step(whole[0], halves[-1][1])
        step = stream.finish(whole[1], halves[-1][1], whole)
        s = build_sentences(words)
        talk = Conversation(s)
        assert step.final
        for pick in step.final:
            inside = tuple(x for x in s if pick_holds(pick, x))
            if with_voices:
                assert talk.holds_whole_answers(inside)
                assert pick.signals["exchange"] != NEUTRAL or talk.speakers_in(inside) == 1
            else:
                assert pick.signals["exchange"] == NEUTRAL
                assert all(w.speaker is None for w in pick.words)
        if with_voices:  # every word of the picks is given the voice that said it
            truth = {w.start: w.speaker for w in words}
            assert all(w.speaker == truth[w.start] for p in step.final for w in p.words)


def test_a_reason_does_not_call_a_change_of_voice_an_expressive_voice():
    """A steady host at 120 Hz answered by a steady guest at 210 Hz: over both, the pitch spreads by
    the gap between them. The score reads it as it always has; the reason says how each voice moves,
    so it does not call the exchange an expressive voice. One voice that jumps so is one."""
    s = sentences_of([("S1", HOST), ("S2", ANSWER)])

    def pitched(sentences) -> PitchTrack:
        hop = 0.04
        at = [next((x.speaker for x in sentences if x.start <= i * hop < x.end), None)
              for i in range(int(sentences[-1].end / hop) + 10)]
        return PitchTrack(hop_seconds=hop, f0=tuple({"S1": 120.0, "S2": 210.0}.get(who, 0.0) for who in at))

    two = score_window(Window(tuple(s)), Evidence(pitch=pitched(s), conversation=Conversation(s)))
    assert two.signals["pitch"] == 1.0
    assert "expressive voice" not in two.reason and "a question and its whole answer" in two.reason
    one = [replace(x, words=tuple(replace(w, speaker="S1") for w in x.words)) for x in s]
    jumping = score_window(Window(tuple(one)), Evidence(pitch=pitched(s), conversation=Conversation(one)))
    assert jumping.signals["pitch"] == 1.0 and "expressive voice" in jumping.reason
