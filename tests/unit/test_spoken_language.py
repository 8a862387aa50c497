"""The video's language as the transcript routes report it (``api.videos.spoken_language``): the
first speech decides; a chunk without speech is in no language and decides nothing."""

from api.transcripts import spoken_language
from streams.asr.languages import UNDETERMINED
from streams.domain.transcript import TranscriptChunk
from streams.domain.words import Word


def chunk(index: int, language: str, words: int = 0, probability: float | None = 0.9, spans=()) -> TranscriptChunk:
    start = index * 60.0
    return TranscriptChunk(index, start, start + 60.0, language,
                           tuple(Word(f"w{i}", start + i, start + i + 0.5, 0.9) for i in range(words)),
                           languages=tuple(spans), language_probability=probability)


def test_music_before_the_talk_does_not_decide_the_language():
    chunks = [chunk(0, UNDETERMINED, probability=None), chunk(1, "de", words=5, probability=0.97,
                                                                spans=[{"language": "de", "start": 60.0, "end": 110.0}])]
    assert spoken_language(chunks) == {"language": "de", "language_probability": 0.97, "languages": ["de"]}


def test_a_video_without_speech_has_no_language():
    assert spoken_language([chunk(0, UNDETERMINED, probability=None)]) == {
        "language": None, "language_probability": None, "languages": []}
    assert spoken_language([])["language"] is None


def test_a_named_language_stands_before_any_word_is_heard():
    assert spoken_language([chunk(0, "ja", probability=None)])["language"] == "ja"
