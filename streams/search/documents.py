"""Search documents and hits, as plain data (no I/O).

A document is one sentence of one transcript chunk: ``<video>-<chunk>-<n>`` is its id, so
indexing the same chunk again (a redelivered event, a reindex) replaces it instead of adding a
copy. It keeps its words' times, so a hit can point at the word that matched, not only at the
sentence.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from streams.asr.languages import SpokenLanguages
from streams.domain.words import Word
from streams.moments.sentences import build_sentences
from streams.text.chinese import variants
from streams.text.scripts import unspaced

MARK_OPEN, MARK_CLOSE = "\x01", "\x02"
_TOKEN = re.compile(r"\w+(?:'\w+)?", re.UNICODE)


@dataclass(frozen=True)
class SentenceDoc:
    id: str
    tenant_id: str
    video_id: str
    filename: str
    chunk_index: int
    position: int
    start: float
    end: float
    language: str
    text: str
    words: list = field(default_factory=list)  # [[word, start, end], ...]
    speaker: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """A matching sentence: ``start``/``end`` are the first matching word's (the sentence's when
    no single word matched); ``snippet`` is HTML-escaped with the matches in ``<mark>``."""

    video_id: str
    filename: str
    start: float
    end: float
    segment_start: float
    segment_end: float
    text: str
    snippet: str
    score: float
    language: str = ""  # the ISO code of the language the sentence was spoken in
    speaker: str | None = None  # who said it: the video's speaker label (S1...), None where not known

    def as_json(self) -> dict:
        return asdict(self)


def doc_id(video_id: str, chunk_index: int, position: int) -> str:
    return f"{video_id}-{chunk_index:05d}-{position:04d}"


def sentence_docs(
    tenant_id: str,
    video_id: str,
    filename: str,
    chunk_index: int,
    language: str,
    words: Sequence[Word],
    spans: Sequence[Mapping[str, Any]] = (),
) -> list[SentenceDoc]:
    """The documents of one transcript chunk: one per sentence of its ``words``, each in the
    language of the ``spans`` heard over it (the chunk's ``languages``: a German question in an
    English talk is filtered as German), else the chunk's ``language``; with its speaker's label
    when the words carry speakers (a change of speaker ends a sentence)."""
    heard = SpokenLanguages.heard(spans)
    return [
        SentenceDoc(
            id=doc_id(video_id, chunk_index, n),
            tenant_id=tenant_id,
            video_id=video_id,
            filename=filename,
            chunk_index=chunk_index,
            position=n,
            start=round(s.start, 3),
            end=round(s.end, 3),
            language=heard.between(s.start, s.end) or language,
            text=s.text,
            words=[[w.word, round(w.start, 3), round(w.end, 3)] for w in s.words],
            speaker=s.speaker,
        )
        for n, s in enumerate(build_sentences(list(words)))
    ]


def query_terms(query: str) -> list[str]:
    """The words of a query, lower case, in order (punctuation and operators dropped)."""
    return [t.lower() for t in _TOKEN.findall(query)]


def unsegment(marked: str) -> str:
    """Text indexed a character at a time (``streams.text.scripts.segment``), with its marks,
    written as it was: no space between two characters of an unspaced script, and neighbouring
    marked characters one mark (``[房] [地]`` → ``[房地]``)."""
    out: list[str] = []
    for i, ch in enumerate(marked):
        if ch == " ":
            before = marked[:i].rstrip(MARK_OPEN + MARK_CLOSE)[-1:]
            after = marked[i + 1 :].lstrip(MARK_OPEN + MARK_CLOSE)[:1]
            if before and after and unspaced(before) and unspaced(after):
                continue
        out.append(ch)
    return "".join(out).replace(MARK_CLOSE + MARK_OPEN, "")


def snippet_html(marked: str) -> str:
    """Text with matches between MARK_OPEN and MARK_CLOSE as escaped HTML with ``<mark>``."""
    return html.escape(marked).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def marked_terms(marked: str) -> list[str]:
    return [t.lower() for t in re.findall(f"{MARK_OPEN}(.*?){MARK_CLOSE}", marked)]


def matching_word(words: Iterable[Sequence], terms: Sequence[str]) -> tuple[float, float] | None:
    """The times of the first word that is, or starts with, one of ``terms`` (a Chinese term in
    either script: ``streams.text.chinese.variants``); a word joined by an apostrophe or a hyphen
    matches by each of its parts too (French "l'autre" is found by "autre", "steam-powered" by
    "powered")."""
    wanted = [v.lower() for t in terms if t for v in (variants(t) if unspaced(t[0]) else [t])]
    for text, start, end in words:
        token = re.sub(r"[^\w'’-]", "", str(text).lower()).replace("’", "'")
        tokens = {token.replace("-", ""), *re.split(r"['-]", token)} - {""}
        if any(x == t or x.startswith(t) or (unspaced(t[0]) and t in x) for x in tokens for t in wanted):
            return float(start), float(end)
    return None


def make_hit(doc: dict, marked: str, score: float, terms: Sequence[str]) -> Hit:
    """A hit from a stored document and its highlighted text; the word that matched is looked up
    among the highlighted terms first, then the query's own."""
    span = matching_word(doc.get("words") or [], marked_terms(marked) or terms) or (doc["start"], doc["end"])
    return Hit(
        video_id=doc["video_id"],
        filename=doc.get("filename", ""),
        start=span[0],
        end=span[1],
        segment_start=doc["start"],
        segment_end=doc["end"],
        text=doc["text"],
        snippet=snippet_html(marked.strip()),
        score=round(float(score), 6),
        language=doc.get("language") or "",
        speaker=doc.get("speaker") or None,
    )
