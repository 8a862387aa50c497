"""The clip judge's conversation and the checks its answers must pass. Pure: no model, no I/O.

A language model reads one candidate clip (its sentences as spoken) and answers with one JSON
object: four scores from 0 to 100 (``hook``: do the first words grab a viewer; ``story``: a setup
that leads to a payoff; ``surprise``: something unexpected or memorable; ``standalone``: it makes
sense without the rest of the talk), a ``title`` of at most 60 characters and a one-sentence
``reason``. The prompt is ChatML (the Qwen2.5 instruct models' template): a fixed part (the
instructions and worked examples, the same for every request, so the server keeps its state
once) and the passage. The answer's opening ``{"hook": `` is part of the prompt, so the model
starts inside the format.

Small models answer badly often: broken JSON, a copy of the instructions or of an example, a
title that is the passage's first words, a "reason" that goes on reading the passage out. So an
answer is trusted only after ``parse_verdict`` checks it; anything else is ``MalformedVerdict``,
which the caller retries with a new attempt (sampled, so not the same failure again).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Awaitable, Callable

from streams.errors import InvalidPassage, MalformedVerdict
from streams.text.scripts import unspaced

PROMPT_VERSION = "clip-judge-1"
# The four scores and what each asks: the prompt says it, and the API's document says it of
# the score (signal_meanings.JUDGED).
SCORE_MEANINGS: dict[str, str] = {
    "hook": "do the first words grab a viewer",
    "story": "a setup that leads to a payoff",
    "surprise": "something unexpected or memorable",
    "standalone": "it makes sense without the rest of the talk",
}
SCORES = tuple(SCORE_MEANINGS)
MAX_TITLE = 60
MAX_REASON = 220
MAX_PASSAGE_CHARS = 4000  # about 90 s of speech; clips are at most 90 s
ANSWER_OPENING = '{"hook": '

SYSTEM = (
    "You judge passages cut from a talk as short standalone video clips. For each passage answer "
    "with one JSON object and nothing else, with four scores from 0 to 100 and two texts: "
    + ", ".join(f"{name} ({SCORE_MEANINGS[name]})" for name in SCORES)
    + ", title (at most 60 characters, a specific headline for this passage, not its first words) and "
    "reason (one short sentence in your own words that tells a viewer what makes the passage worth "
    "watching, or what it lacks, naming its concrete subject)."
)

# Worked examples written for this prompt (not from any evaluation talk): a story, a surprising
# fact, and a passage an editor would skip, so that low scores are as familiar as high ones. Each
# reason is worded differently: a small model copies a shared wording into every answer.
EXAMPLES: tuple[tuple[str, dict], ...] = (
    (
        "When I was nine my father sold our car to buy a telescope. My mother did not speak to him "
        "for a week. Then one night he woke us all at three in the morning, and we saw the rings of "
        "Saturn from the back garden. She never mentioned the car again.",
        {
            "hook": 80,
            "story": 90,
            "surprise": 70,
            "standalone": 85,
            "title": "The night a telescope won back a family",
            "reason": "A father swaps the family car for a telescope, and one look at Saturn ends the feud.",
        },
    ),
    (
        "Before we go on, a quick note on the schedule. The next session starts at two, and the "
        "slides will be online tonight. As I said earlier, we will come back to the second method later.",
        {
            "hook": 10,
            "story": 0,
            "surprise": 0,
            "standalone": 20,
            "title": "Housekeeping before the next session",
            "reason": "Schedule notes and pointers to later material: nothing a viewer would stop for.",
        },
    ),
    (
        "Here is a number that surprised me. Octopuses have three hearts, and two of them stop "
        "beating when the animal swims. That is why they would rather crawl. Swimming, for an "
        "octopus, is exhausting.",
        {
            "hook": 90,
            "story": 60,
            "surprise": 95,
            "standalone": 75,
            "title": "Why octopuses would rather crawl than swim",
            "reason": "An odd fact about the octopus's three hearts explains a habit everyone has seen.",
        },
    ),
)

_PLACEHOLDERS = (
    "at most 60",
    "60 characters",
    "one sentence",
    "one short sentence",
    "0 to 100",
    "0-100",
    "specific headline",
    "concrete subject",
    "worth watching, or",
    "...",
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")  # letters and digits of any script, "don't" one word
_LANGUAGE = re.compile(r"[a-z]{2,3}")  # an ISO 639-1 code, or Whisper's three-letter ones (haw)


@dataclass(frozen=True)
class Passage:
    """What the judge is asked about: the clip's text and the language it is spoken in (None:
    not known, read as English)."""

    text: str
    language: str | None = None


@dataclass(frozen=True)
class Verdict:
    hook: int
    story: int
    surprise: int
    standalone: int
    title: str
    reason: str

    def scores(self) -> dict[str, float]:
        """The four scores in [0, 1], keyed ``judge_<name>`` as signals in a clip's breakdown."""
        return {f"judge_{name}": round(getattr(self, name) / 100, 3) for name in SCORES}

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Verdict:
        return cls(**{k: data[k] for k in (*SCORES, "title", "reason")})


def _one_line(text: str) -> str:
    """``text`` with each run of whitespace (newlines included) made one space, and none at the ends."""
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    """The words of ``text``, lower case; in scripts written without spaces (Chinese, Japanese,
    Thai...) each character is a word."""
    words: list[str] = []
    for run in _WORD.findall(text.lower()):
        if not any(unspaced(ch) for ch in run):
            words.append(run)
            continue
        spaced = ""
        for ch in run:
            if unspaced(ch):
                words.extend([spaced, ch] if spaced else [ch])
                spaced = ""
            else:
                spaced += ch
        if spaced:
            words.append(spaced)
    return words


def _english(language: str | None) -> bool:
    return language in (None, "en")


def passage_request(text: str, language: str | None = None) -> str:
    """The request body for the judge model: the passage's text and, when known and not English,
    its language, as JSON."""
    body = {"prompt_version": PROMPT_VERSION, "text": _one_line(text)}
    return json.dumps(body if _english(language) else {**body, "language": language})


def read_request(raw: str | bytes) -> Passage:
    """The passage of a request; ``InvalidPassage`` when it is unusable."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidPassage(f"the judge's request is not JSON: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        raise InvalidPassage('the judge\'s request must be an object with a "text" string')
    if body.get("prompt_version", PROMPT_VERSION) != PROMPT_VERSION:
        raise InvalidPassage(f"prompt version {body.get('prompt_version')!r} is not {PROMPT_VERSION!r}")
    text = _one_line(body["text"])
    if len(_words(text)) < 3:
        raise InvalidPassage("the passage has no words to judge")
    if len(text) > MAX_PASSAGE_CHARS:
        raise InvalidPassage(f"the passage is {len(text)} characters; the judge reads at most {MAX_PASSAGE_CHARS}")
    language = body.get("language")
    if language is not None and not (isinstance(language, str) and _LANGUAGE.fullmatch(language)):
        raise InvalidPassage(f"the passage's language must be a language code such as 'de', not {language!r}")
    return Passage(text, None if _english(language) else language)


def _turn(role: str, content: str) -> str:
    return f"<|im_start|>{role}\n{content}<|im_end|>\n"


def fixed_prompt() -> str:
    """The part of the prompt every request shares: instructions and worked examples."""
    return _turn("system", SYSTEM) + "".join(
        _turn("user", f"Passage:\n{text}") + _turn("assistant", json.dumps(answer)) for text, answer in EXAMPLES
    )


def passage_prompt(text: str, language: str | None = None) -> str:
    """The rest of the prompt for one passage, ending inside the answer's opening. A passage in
    another language than English says which, and asks for the title and reason in it (the worked
    examples are English, so an English passage's prompt is as it always was)."""
    heading = (
        "Passage:"
        if _english(language)
        else f"Passage, spoken in the language with ISO 639-1 code '{language}' (write the title and the "
        "reason in that language):"
    )
    return _turn("user", f"{heading}\n{text}") + "<|im_start|>assistant\n" + ANSWER_OPENING


def _is_piece_of(candidate: str, passage: str, run: int) -> bool:
    """Whether ``candidate`` repeats ``run`` or more consecutive words of ``passage``."""
    words, source = _words(candidate), " " + " ".join(_words(passage)) + " "
    return any(" " + " ".join(words[i : i + run]) + " " in source for i in range(len(words) - run + 1))


def parse_verdict(generated: str, passage: str) -> Verdict:
    """The verdict in the model's continuation of ``passage_prompt(passage)``; ``MalformedVerdict``
    when the answer cannot be trusted."""
    text = ANSWER_OPENING + generated
    try:
        data, _ = json.JSONDecoder().raw_decode(text.strip())
    except ValueError as exc:
        raise MalformedVerdict(f"the judge's answer is not JSON: {text[:120]!r}") from exc
    if not isinstance(data, dict):
        raise MalformedVerdict("the judge's answer is not a JSON object")
    missing = [k for k in (*SCORES, "title", "reason") if k not in data]
    if missing:
        raise MalformedVerdict(f"the judge's answer lacks {', '.join(missing)}")
    for name in SCORES:
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise MalformedVerdict(f"the judge's {name} score is not a whole number from 0 to 100: {value!r}")
    title, reason = data["title"], data["reason"]
    if not isinstance(title, str) or not isinstance(reason, str):
        raise MalformedVerdict("the judge's title and reason must be strings")
    title, reason = _one_line(title), _one_line(reason)
    # A reason that goes on past its first sentence is cut there: the first sentence is the reason
    # asked for, and it must pass the same checks on its own.
    reason = re.split(r"(?<=[.!?])\s+(?=\S)", reason, maxsplit=1)[0]
    _check_text("title", title, passage, 3, MAX_TITLE)
    _check_text("reason", reason, passage, 20, MAX_REASON)
    if _words(passage)[: len(_words(title))] == _words(title):
        raise MalformedVerdict(f"the judge's title is the passage's first words: {title!r}")
    if _is_piece_of(reason, passage, 8):
        raise MalformedVerdict(f"the judge's reason reads the passage out instead of judging it: {reason!r}")
    subject = {w for w in _words(passage) if _topical(w)}
    if not subject & set(_words(title) + _words(reason)):
        raise MalformedVerdict(f"the judge's title and reason name nothing the passage says: {title!r} / {reason!r}")
    return Verdict(**{k: data[k] for k in SCORES}, title=title, reason=reason)


def _topical(word: str) -> bool:
    """Whether ``word`` can say what a passage is about: a longer word, or a character of a script
    without spaces (but not hiragana, which writes Japanese's particles and endings)."""
    return len(word) >= 5 or (unspaced(word[0]) and not "\u3040" <= word[0] <= "\u309f")


def _check_text(name: str, value: str, passage: str, shortest: int, longest: int) -> None:
    if not shortest <= len(value) <= longest:
        raise MalformedVerdict(f"the judge's {name} is {len(value)} characters, not {shortest}-{longest}: {value!r}")
    lowered = value.lower()
    if any(p in lowered for p in _PLACEHOLDERS):
        raise MalformedVerdict(f"the judge's {name} is a placeholder from the instructions: {value!r}")
    if any(value == answer[name] or _is_piece_of(value, answer[name], 5) for _, answer in EXAMPLES):
        raise MalformedVerdict(f"the judge's {name} is copied from a worked example: {value!r}")


def cache_key(model: str, text: str, language: str | None = None) -> str:
    """What a verdict is kept under: the model, the prompt version, the passage as sent and its
    language when not English."""
    parts = [model, PROMPT_VERSION, _one_line(text)] + ([] if _english(language) else [language])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Judged:
    verdict: Verdict
    attempts: int  # the model's answers it took, the malformed ones included


async def ask_until_valid(ask: Callable[[str, int], Awaitable[str]], text: str, attempts: int) -> Judged:
    """Ask the model (``ask(text, attempt)`` returns its raw answer) until an answer passes
    ``parse_verdict``, at most ``attempts`` times; ``MalformedVerdict`` naming the last problem when
    none does. Errors of ``ask`` itself (an unreachable server) are the caller's to retry."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    problem: MalformedVerdict | None = None
    for attempt in range(attempts):
        try:
            return Judged(parse_verdict(await ask(text, attempt), text), attempt + 1)
        except MalformedVerdict as exc:
            problem = exc
    raise MalformedVerdict(f"the clip judge gave no usable answer in {attempts} tries; the last: {problem}")
