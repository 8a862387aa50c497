"""Titles are whole phrases, and reasons say what is particular to their clip (issue 48): on the
rules alone, and over the ranking of every labelled talk (the shared ones and ours of other
genres), read as a transcript with the real sentence encoder."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import pytest

from streams.domain.transcript import TranscriptChunk
from streams.moments.highlights import parse_script
from streams.moments.lexicon import ENGLISH
from streams.moments.rhetoric import CLAUSE_MARKS
from streams.moments.lengths import LengthRange
from streams.moments.sentences import CONTINUING_WORDS, bare, build_sentences
from streams.moments.streaming import MomentStream
from streams.moments.titles import TITLE_CHARS, title
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, HIGHLIGHTS_DIR, REAL_HIGHLIGHTS_DIR, talk_names
from tests.unit.moments_text import timed_words

CHUNK_SECONDS = 60.0


def _tokens(text: str) -> list[str]:
    return [t for t in (bare(w) for w in text.split()) if t]


def whole_phrase(title_text: str, sentence_texts: list[str]) -> bool:
    """Whether ``title_text`` is, word for word, a whole sentence of the clip, a run of whole
    clauses of one, or an opening of one that stops before a word opening a new clause or a
    prepositional phrase (and not on a word that cannot end a phrase)."""
    said = _tokens(title_text)
    for text in sentence_texts:
        words = text.split()
        tokens = [bare(w) for w in words]
        ends = [i + 1 for i, w in enumerate(words) if w.rstrip("\"'”’»)")[-1:] in CLAUSE_MARKS] + [len(words)]
        starts = [0] + ends[:-1]
        # A leading filler ("So", "And") may be dropped from the start of any of these.
        for a in starts:
            for b in ends:
                run = [t for t in tokens[a:b] if t]
                if run and (said == run or said == run[1:] and run[0] in ENGLISH.leading_fillers):
                    return True
        for k in range(1, len(tokens)):
            head = [t for t in tokens[:k] if t]
            opens = tokens[k] in ENGLISH.phrase_starts or tokens[k] in ENGLISH.prepositions
            if opens and head and head[-1] not in CONTINUING_WORDS:
                if said == head or said == head[1:] and head[0] in ENGLISH.leading_fillers:
                    return True
    return False


def test_a_sentence_that_fits_is_the_title_whole():
    sentences = build_sentences(timed_words("The room was grey. Knowledge will get you hired, kindness will get you trusted."))
    assert len("Knowledge will get you hired, kindness will get you trusted") <= TITLE_CHARS
    assert title(sentences) in ("The room was grey", "Knowledge will get you hired, kindness will get you trusted")


def test_a_long_sentence_gives_its_longest_run_of_whole_clauses_that_fits():
    text = ("When the harbour froze in the winter of that long and bitter year, the ships could not leave, "
            "and the whole town waited.")
    made = title(build_sentences(timed_words(text)))
    assert made == "The ships could not leave, and the whole town waited"
    assert whole_phrase(made, [text])


def test_a_long_sentence_without_clauses_stops_before_a_word_that_opens_one():
    text = ("Nobody in the office wanted to admit it because the first calculation on the whiteboard was "
            "wrong by a factor of ten.")
    assert title(build_sentences(timed_words(text))) == "Nobody in the office wanted to admit it"
    # With no clause opener that leaves a title short enough, before a preposition.
    text = ("The engineers kept testing the same bridge design for eleven straight months in the "
            "hope that the numbers would eventually change their minds.")
    assert title(build_sentences(timed_words(text))) == "The engineers kept testing the same bridge design"


def test_a_sentence_with_a_garbled_word_in_another_writing_system_is_not_the_title():
    """A recogniser's garble can mix scripts ("Auf das Из-Te-..." in German): a creator never
    wants that as a headline, so such a sentence comes after every legible one."""
    clean = "Why did the whole team leave? The bridge held for ten years."
    assert title(build_sentences(timed_words(clean))) == "Why did the whole team leave?"  # a question leads
    garbled = "Why did the Из-Te team leave? The bridge held for ten years."
    assert title(build_sentences(timed_words(garbled))) == "The bridge held for ten years"
    # Only garble left: it is still the title (an event needs one)
    assert title(build_sentences(timed_words("Why did the Из-Te team leave?"))) == "Why did the Из-Te team leave?"


def test_the_checker_refuses_a_title_cut_mid_phrase():
    text = "Four bakers were standing around, the dough rising, and nobody was sure who should put it in."
    assert not whole_phrase("Four bakers were standing around, the dough rising, and nobody sure who", [text])
    assert not whole_phrase("And nobody was sure who should put it", [text])
    assert whole_phrase("And nobody was sure who should put it in", [text])
    assert whole_phrase("Four bakers were standing around", [text])


def scripted_chunks(name: str, folder) -> list[TranscriptChunk]:
    """A labelled talk read at a steady pace, a longer pause between passages, as stored chunks."""
    passages = parse_script((folder / f"{name}.tsv").read_text())
    words = timed_words(" <1.0> ".join(p.text for p in passages), start=0.5, per_word=0.33, sentence_gap=0.45)
    chunks, start, index = [], 0.0, 0
    while start < words[-1].end:
        inside = tuple(w for w in words if start <= w.start < start + CHUNK_SECONDS)
        chunks.append(TranscriptChunk(chunk_index=index, start_s=start, end_s=start + CHUNK_SECONDS, language="en",
                                      words=inside))
        start += CHUNK_SECONDS
        index += 1
    return chunks


LABELLED = (HIGHLIGHTS_DIR, BENCH_HIGHLIGHTS_DIR, REAL_HIGHLIGHTS_DIR)


@lru_cache(maxsize=1)
def rankings() -> dict[str, list]:
    from streams.text import default_encoder

    encoder = default_encoder()
    out = {}
    for folder in LABELLED:
        for name in talk_names(folder):
            chunks = scripted_chunks(name, folder)
            stream = MomentStream(count=4, length=LengthRange(20.0, 60.0), encoder=encoder)
            for chunk in chunks[:-1]:
                stream.step(chunk, chunks[-1].end_s)
            out[name] = stream.finish(chunks[-1], chunks[-1].end_s, chunks).final
    return out


def test_the_labelled_talks_include_ours_of_other_genres():
    ours = set(talk_names(BENCH_HIGHLIGHTS_DIR))
    assert {"commencement_speech", "standup_set", "tutorial_sourdough", "sermon_hope", "panel_city_transport"} <= ours
    for name in ours:
        passages = parse_script((BENCH_HIGHLIGHTS_DIR / f"{name}.tsv").read_text())
        kinds = [p.kind for p in passages]
        assert kinds.count("highlight") == 5 and kinds[0] == kinds[-1] == "filler", name


@pytest.mark.parametrize("name", [name for folder in LABELLED for name in talk_names(folder)])
def test_no_title_over_any_labelled_talk_is_cut_mid_phrase(name):
    moments = rankings()[name]
    assert len(moments) == 4
    for m in moments:
        texts = [s.text for s in build_sentences(list(m.words))]
        assert 0 < len(m.title) <= TITLE_CHARS and whole_phrase(m.title, texts), (m.title, texts)


def test_no_part_of_a_reason_is_said_of_more_than_half_the_clips():
    reasons = [m.reason for moments in rankings().values() for m in moments]
    assert len(reasons) >= 32
    parts = Counter(part.strip().lower() for r in reasons for part in set(re.split(r";\s*", r)))
    common = {part: n for part, n in parts.items() if n > len(reasons) / 2}
    assert not common, common
    assert not any("clip judge" in r for r in reasons)
