"""Editorial: does a stretch of talk read like what an editor clips, or like what they skip?

Editors clip stories with a turn, surprising facts, hard-won lessons and dramatic moments; they
skip greetings, thanks, agendas, announcements, summaries, product details and plans. Each kind
is written down as a few plain-English descriptions (``PICKS`` and ``SKIPS``). A sentence is
embedded together with its neighbours (``context`` on each side: one sentence alone says too
little), and its raw score is how much closer that embedding lies to the nearest pick than to
the nearest skip. Raw scores are then measured against the talk's own (median and MAD of the
sentences known so far), since some talks are all stories and some all logistics: what matters
is which parts of *this* talk stand out.

A window's value rewards being made of standout sentences and being a whole story: its
duration-weighted mean score, plus how far that mean rises above the better side just outside it
(the mean of ``OUTSIDE`` sentences on each side). A window cut inside a story has neighbours as strong as itself; a
window that runs on into filler lowers its own mean. The result goes through a logistic to
[0, 1]. Pure: embeddings in, numbers out; the agent does the embedding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from streams.moments.editorial_head import Head
from streams.moments.neighbours import in_context
from streams.moments.rhetoric import Device
from streams.moments.sentences import Sentence


@dataclass(frozen=True)
class Kind:
    """A kind of moment editors clip (or skip), as the reason names it, and the plain-English
    descriptions a sentence is compared with (several per kind: one wording alone sits close to
    some talks and far from others)."""

    name: str
    descriptions: tuple[str, ...]


# What short-form editors clip, across genres: speeches and sermons (quotable lines, a call to
# action, an emotional peak), stand-up (a punchline), talks and podcasts (a story's turn, a
# surprising fact, a lesson), tutorials (a practical tip).
PICK_KINDS: tuple[Kind, ...] = (
    Kind(
        "a story with a twist",
        (
            "a surprising true story with a twist and a punchline",
            "a dramatic moment when everything went wrong",
        ),
    ),
    Kind("a lesson learned the hard way", ("a memorable lesson learned the hard way",)),
    Kind(
        "a surprising fact",
        (
            "an unexpected fact that changes how you see something",
            "a striking number that overturns what everyone assumed",
        ),
    ),
    Kind(
        "a quotable line",
        (
            "a short memorable line of wisdom people will quote",
            "a powerful contrast between what we are and what we could be",
        ),
    ),
    Kind("a call to action", ("a rousing call to action telling you what to do with your life",)),
    Kind("an emotional peak", ("a moving personal moment of love, loss and forgiveness",)),
    Kind("a punchline", ("a funny joke with an absurd punchline that makes the audience laugh",)),
    Kind(
        "a practical tip",
        (
            "a practical tip that fixes a common mistake",
            "a common myth debunked with a simple test anyone can do",
        ),
    ),
)
# What they skip: the talk's frame (greetings, thanks, sign-offs, agendas and recaps), its
# logistics and plugs, and its procedure (steps and lists said in order).
SKIP_KINDS: tuple[Kind, ...] = (
    Kind(
        "greetings and thanks",
        (
            "thanking the organisers and the team",
            "good morning and welcome, it is an honour to be here with all of you",
        ),
    ),
    Kind(
        "housekeeping",
        (
            "housekeeping announcements and logistics",
            "reminders about parking, the schedule and upcoming events",
            "please subscribe to the channel and check out our sponsor",
        ),
    ),
    Kind(
        "an agenda or a recap",
        (
            "an outline of what this talk will cover",
            "a summary of what we discussed",
        ),
    ),
    Kind("a sign-off", ("congratulations, thank you all, goodnight and see you next time",)),
    Kind("introductions", ("introducing the speaker's background, job title and career",)),
    Kind("procedure", ("step by step instructions with quantities and timings",)),
    Kind("product details", ("product features, pricing and the roadmap",)),
)
PICKS: tuple[str, ...] = tuple(d for k in PICK_KINDS for d in k.descriptions)
SKIPS: tuple[str, ...] = tuple(d for k in SKIP_KINDS for d in k.descriptions)
PICK_KIND_OF: tuple[str, ...] = tuple(k.name for k in PICK_KINDS for _ in k.descriptions)
# The descriptions are English and so is the encoder (all-MiniLM-L6-v2 was trained on English
# pairs): a sentence in another language lies about as close to the picks as to the skips
# (DEVELOPERS.md, "Moments in other languages"), so only English sentences are scored on this.
LANGUAGE = "en"
CONTRAST = 1.0  # weight of "rises above what is just outside" against "stands out in the talk"
# Sentences on each side that "just outside" means (their mean): with one, a window's lift swung with
# whichever single sentence lay at its edge; with two, the lecture's fourth pick became a highlight
# and no labelled talk lost one (bench/moments_quality.py).
OUTSIDE = 2
LIFT_BOUND = 50.0  # a lift past this is 0 or 1 all the same (and exp would overflow)
# What a rhetorical device at full strength adds to a sentence's raw score (in the talk's robust
# standard deviations) where the head has its full share: a built line stands out. Where it has
# less, up to ``SPEECH_RHETORIC`` (``device_weight``).
RHETORIC = 1.0
# The trained head's share of a sentence's raw score, against the descriptions' (each measured
# against the talk first): passage by passage, the head tells highlights from filler better.
LEARNED = 0.7
# ... but only on talks like those it learnt from. Their sentences carry few built lines (at most
# 11 % of a talk's sentences have a rhetorical device; the stand-up set's repeated phrasing is the
# most); a political speech is built of them (31 % of Kennedy's inaugural), and there the head,
# which learnt that stories and specifics stand out, ranks the speech's most quoted passages below
# its filler (passage AUC 0.24, read from its script). Its share falls from ``LEARNED`` to none as
# the share of the talk's sentences with a device rises across this range; the descriptions and
# the devices rank what is left (AUC 0.73 there; DEVELOPERS.md, "What editors clip").
OUT_OF_DOMAIN = (0.15, 0.25)
# That share is judged as if the talk had at least this many sentences, the missing ones plain:
# early in a stream one opening flourish in five sentences (20 %) would already halve the head's
# share for the first picks. Kennedy's inaugural has 56 sentences in its script; our talks 115-250.
JUDGED_FROM = 30
# What a device at full strength adds where the head has no say (``RHETORIC`` where it has its
# full share; in between, in proportion): in a speech the built lines are what is quoted, and
# through the pipeline Kennedy's inaugural kept 1 of 4 hits at ``RHETORIC``, 2 of 4 at 2 to 3.
SPEECH_RHETORIC = 2.5
# The score assumed beyond the talk's first and last sentence: the talk's median, an ordinary
# stretch. At -1 (nothing worth clipping lies beyond the talk) a window at either end rose above its
# outside as no window inside could, and openings and sign-offs rose with it: the stand-up set's
# top four held its opening greeting (precision@4 0.50; 0.75 with any value from -0.5 to 1, and
# no other labelled talk moved).
EDGE = 0.0
# The head learnt from clean text (scripts); a transcript the recogniser was unsure of reads to it
# as text it never saw, and the descriptions, which ask less of each sentence, should weigh more.
# Its share falls from full where the mean probability of the space's words (over their
# characters) is ``SURE`` to ``UNSURE_SHARE`` of it at ``UNSURE``. Our English talks heard by
# Whisper average 0.85-0.90 and keep it whole; eSpeak NG's German, Spanish and French voices
# 0.61-0.81. Over the 23 spoken readings (bench/results/ranking_sweep_heard.json): 68 hits at 1.0
# (no fall), 70 at 0.6, 69 at 0.7; the held-out German tutorial from 1 to 4. Scripts read as
# perfect transcripts keep it whole.
SURE = 0.85
UNSURE = 0.65
UNSURE_SHARE = 0.6
_MAD_TO_SD = 1.4826
_FLOOR = 1e-6


@dataclass(frozen=True)
class EditorialMap:
    """Each sentence's editorial score, measured against the talk (0 is the talk's median; one
    unit is one robust standard deviation), and the pick it resembles most.

    Attributes:
        starts: the sentences' start times, ascending (the sentences the map was made from).
        scores: the score of each sentence, same order.
        nearest: for each sentence, the index into ``PICKS`` of the description it is closest to.
        devices: for each sentence, its rhetorical device (``rhetoric.devices``) or None; empty
            when none were looked for.
        multilingual: whether sentences in languages other than English were read in a space
            that knows them (multilingual-e5); else only English sentences are measured.
    """

    starts: tuple[float, ...]
    scores: tuple[float, ...]
    nearest: tuple[int, ...]
    devices: tuple[Device | None, ...] = ()
    multilingual: bool = False

    def __post_init__(self) -> None:
        if not len(self.starts) == len(self.scores) == len(self.nearest):
            raise ValueError("starts, scores and nearest must have one entry per sentence")
        if self.devices and len(self.devices) != len(self.starts):
            raise ValueError("devices must have one entry per sentence, or none")

    @cached_property
    def _index(self) -> dict[float, int]:
        return {start: i for i, start in enumerate(self.starts)}

    def covers(self, sentences: Sequence[Sentence]) -> bool:
        """Whether every one of ``sentences`` is in the map (a map of fewer sentences says
        nothing about the rest)."""
        return bool(sentences) and all(s.start in self._index for s in sentences)

    def holds_all(self, sentences: Sequence[Sentence]) -> bool:
        """Whether ``sentences`` are every sentence of the map: a window of the whole talk, which
        stands out from nothing."""
        return len(sentences) == len(self.starts) and self.covers(sentences)

    def value(self, sentences: Sequence[Sentence]) -> float:
        """How much a window of consecutive ``sentences`` (all in the map) is a whole standout
        story, in [0, 1]: 0.5 is an ordinary stretch of this talk."""
        first, last = self._index[sentences[0].start], self._index[sentences[-1].start]
        scores = np.asarray(self.scores[first : last + 1])
        durations = np.asarray([max(s.end - s.start, 0.01) for s in sentences])
        inside = float((scores * durations).sum() / durations.sum())
        before = self._outside(range(first - OUTSIDE, first))
        after = self._outside(range(last + 1, last + 1 + OUTSIDE))
        lift = inside + CONTRAST * (inside - max(before, after))
        return float(1.0 / (1.0 + np.exp(-min(max(lift, -LIFT_BOUND), LIFT_BOUND))))

    def _outside(self, at: range) -> float:
        """The mean score of the sentences at ``at``, ``EDGE`` for each beyond the talk (plain Python:
        every candidate window asks, and numpy's overhead on two numbers would dominate)."""
        n = len(self.scores)
        return sum(self.scores[i] if 0 <= i < n else EDGE for i in at) / len(at)

    def strongest_pick(self, sentences: Sequence[Sentence]) -> str:
        """The kind of ``PICK_KINDS`` the window's best sentence is closest to (for reasons)."""
        best = max((self._index[s.start] for s in sentences), key=lambda i: self.scores[i])
        return PICK_KIND_OF[self.nearest[best]]

    def device(self, sentences: Sequence[Sentence]) -> Device | None:
        """The strongest rhetorical device among the window's sentences (the earliest on ties)."""
        if not self.devices:
            return None
        found = [self.devices[self._index[s.start]] for s in sentences]
        return max((d for d in found if d is not None), key=lambda d: d.strength, default=None)

    def score_of(self, sentence: Sentence) -> float:
        """The sentence's score (it must be in the map)."""
        return self.scores[self._index[sentence.start]]

    def standout(self, sentences: Sequence[Sentence]) -> Sentence:
        """The window's sentence that stands out most (the earliest on ties)."""
        return max(sentences, key=lambda s: (self.scores[self._index[s.start]], -s.start))


def _robust_z(values: np.ndarray) -> np.ndarray:
    """``values`` against their median, in robust standard deviations (median absolute deviation)."""
    median = float(np.median(values))
    spread = float(np.median(np.abs(values - median))) * _MAD_TO_SD
    return (values - median) / max(spread, _FLOOR)


@dataclass(frozen=True)
class Space:
    """An embedding space the map reads some of the talk's sentences in (English in MiniLM's, the
    other languages in multilingual-e5's).

    Attributes:
        indices: which sentences, ascending.
        embeddings: one unit-length row per sentence of ``indices``.
        picks, skips: the ``PICKS`` and ``SKIPS`` descriptions embedded in the same space, in their
            order, then as often again in other languages (``descriptions.described_in``): the
            ``n``-th pick names the kind of ``PICKS[n % len(PICKS)]``.
        head: the editorial head trained in this space, or None.
    """

    indices: tuple[int, ...]
    embeddings: np.ndarray
    picks: np.ndarray
    skips: np.ndarray
    head: Head | None = None


def head_share(devices: Sequence[Device | None]) -> float:
    """The trained head's share of a sentence's raw score in a talk whose sentences have
    ``devices`` (``LEARNED``, less in a talk built of rhetoric: ``OUT_OF_DOMAIN``)."""
    if not devices:
        return LEARNED
    built = sum(d is not None for d in devices) / max(len(devices), JUDGED_FROM)
    low, high = OUT_OF_DOMAIN
    return LEARNED * min(max((high - built) / (high - low), 0.0), 1.0)


def heard_share(sentences: Sequence[Sentence]) -> float:
    """The share of the head's full share it keeps on ``sentences``, by how sure the recogniser
    was of their words (``SURE``, ``UNSURE``, ``UNSURE_SHARE``): the mean of their probabilities
    over characters, which does not change with how the words were split ("l" "'autre" or
    "l'autre")."""
    weighed = [(w.probability, len(w.word.strip())) for s in sentences for w in s.words]
    characters = sum(n for _, n in weighed)
    if not characters:
        return 1.0
    sure = min(max((sum(p * n for p, n in weighed) / characters - UNSURE) / (SURE - UNSURE), 0.0), 1.0)
    return UNSURE_SHARE + (1.0 - UNSURE_SHARE) * sure


def device_weight(head: float) -> float:
    """What a device at full strength adds to a sentence's raw score where the head's share is
    ``head`` (``head_share``): ``RHETORIC`` at its full share, ``SPEECH_RHETORIC`` at none."""
    return RHETORIC + (SPEECH_RHETORIC - RHETORIC) * (1.0 - head / LEARNED)


def editorial_map(
    sentences: Sequence[Sentence],
    embeddings: np.ndarray,
    picks: np.ndarray,
    skips: np.ndarray,
    context: int | None = None,
    devices: Sequence[Device | None] = (),
    head: Head | None = None,
) -> EditorialMap:
    """The editorial map of ``sentences`` from their unit-length ``embeddings`` (one row each) and
    those of the ``PICKS`` and ``SKIPS`` descriptions (same model, same order); ``devices``, one
    per sentence (or none), add ``RHETORIC`` times their strength to a sentence's raw score;
    ``head``, the trained editorial head, weighs ``LEARNED`` against the descriptions."""
    if len(sentences) != len(embeddings):
        raise ValueError(f"{len(sentences)} sentences but {len(embeddings)} embeddings")
    space = Space(tuple(range(len(sentences))), np.asarray(embeddings), np.asarray(picks), np.asarray(skips), head)
    return editorial_map_of(sentences, [space], context, devices)


def editorial_map_of(
    sentences: Sequence[Sentence],
    spaces: Sequence[Space],
    context: int | None = None,
    devices: Sequence[Device | None] = (),
    multilingual: bool = False,
) -> EditorialMap:
    """The editorial map of ``sentences``, each read in the one of ``spaces`` that holds it (a
    sentence's neighbours are those of its own space); each space's raw scores are measured
    against that space's sentences before they meet; a space's head weighs as the talk's rhetoric
    (``head_share``) and how surely its words were heard (``heard_share``) allow. ``multilingual``:
    the spaces read every language the talk is in (``EditorialMap.multilingual``)."""
    for space in spaces:
        if len(space.picks) == 0 or len(space.skips) == 0:
            raise ValueError("need at least one pick and one skip description")
        if len(space.indices) != len(space.embeddings):
            raise ValueError(f"{len(space.indices)} sentences but {len(space.embeddings)} embeddings")
    if sorted(i for space in spaces for i in space.indices) != list(range(len(sentences))):
        raise ValueError("every sentence must be in exactly one space")
    if not sentences:
        return EditorialMap((), (), ())
    raw = np.zeros(len(sentences), np.float32)
    nearest = np.zeros(len(sentences), np.int64)
    if devices and len(devices) != len(sentences):
        raise ValueError(f"{len(sentences)} sentences but {len(devices)} devices")
    learned = head_share(devices)
    for space in spaces:
        if not space.indices:
            continue
        at = np.asarray(space.indices)
        around = in_context(space.embeddings, context)
        to_picks, to_skips = around @ np.asarray(space.picks).T, around @ np.asarray(space.skips).T
        found = _robust_z(to_picks.max(axis=1) - to_skips.max(axis=1))
        if space.head is not None and learned > 0:
            share = learned * heard_share([sentences[i] for i in space.indices])
            found = (1.0 - share) * found + share * _robust_z(space.head.logits(around))
        raw[at], nearest[at] = found, to_picks.argmax(axis=1) % len(PICKS)
    if devices:
        strengths = np.asarray([d.strength if d is not None else 0.0 for d in devices], np.float32)
        raw = raw + device_weight(learned) * strengths
    scores = _robust_z(raw)
    return EditorialMap(
        starts=tuple(s.start for s in sentences),
        scores=tuple(round(float(v), 4) for v in scores),
        nearest=tuple(int(i) for i in nearest),
        devices=tuple(devices),
        multilingual=multilingual,
    )
