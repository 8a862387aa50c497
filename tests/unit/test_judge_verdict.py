"""The clip judge's answers are checked before anything uses them, and asked again when malformed."""

import asyncio
import json

import pytest

from streams.errors import InferenceUnavailable, InvalidPassage, MalformedVerdict
from streams.judge.verdict import (
    ANSWER_OPENING,
    EXAMPLES,
    PROMPT_VERSION,
    Verdict,
    ask_until_valid,
    cache_key,
    fixed_prompt,
    parse_verdict,
    passage_prompt,
    passage_request,
    Passage,
    read_request,
)

PASSAGE = ("In eighteen thirty-three a ship left Boston for Calcutta with one hundred and eighty tons of ice "
           "packed in sawdust. Four months later about a hundred tons were left, and they sold at a profit. "
           "The first global cold chain was built out of garbage.")
GOOD = {"hook": 80, "story": 90, "surprise": 90, "standalone": 80, "title": "Shipping ice from Boston to Calcutta",
        "reason": "Half a ship of ice survives four months at sea in sawdust, and the voyage still turns a profit."}


def answer(**changes) -> str:
    """The model's continuation after ANSWER_OPENING, as it would generate it."""
    text = json.dumps({**GOOD, **changes})
    assert text.startswith(ANSWER_OPENING)
    return text[len(ANSWER_OPENING):]


def test_a_good_answer_becomes_a_verdict_with_scores_in_zero_to_one():
    v = parse_verdict(answer() + "<|im_end|> trailing", PASSAGE)
    assert (v.title, v.reason) == (GOOD["title"], GOOD["reason"])
    assert v.scores() == {"judge_hook": 0.8, "judge_story": 0.9, "judge_surprise": 0.9, "judge_standalone": 0.8}
    assert Verdict.from_json(v.as_json()) == v


@pytest.mark.parametrize("generated, problem", [
    ('8, "story": 9, "surprise"', "not JSON"),
    (answer(hook=101), "hook score"),
    (answer(story=True), "story score"),
    (answer(surprise="9"), "surprise score"),
    (answer(standalone=-1), "standalone score"),
    (answer(title="x" * 61), "title is 61 characters"),
    (answer(title="at most 60 characters"), "placeholder"),
    (answer(reason="one short sentence that tells a viewer about the cold chain here"), "placeholder"),
    (answer(title=EXAMPLES[0][1]["title"]), "copied from a worked example"),
    (answer(reason="Schedule notes and pointers to later material: the ice shipped to Calcutta."), "worked example"),
    (answer(title="In eighteen thirty-three a ship"), "first words"),
    (answer(reason="Ice to India. It sells at a profit anyway, which is the point."), "reason is 13 characters"),
    (answer(reason="Four months later about a hundred tons were left, and they sold at a profit."), "reads the passage out"),
    (answer(title="A story", reason="Something happens here that anyone would enjoy watching."), "name nothing"),
])
def test_malformed_answers_are_rejected_with_the_problem_named(generated, problem):
    with pytest.raises(MalformedVerdict, match=problem) as err:
        parse_verdict(generated, PASSAGE)
    assert err.value.retriable and err.value.code == "malformed_verdict"


def test_a_missing_field_is_malformed():
    data = dict(GOOD)
    del data["reason"]
    with pytest.raises(MalformedVerdict, match="lacks reason"):
        parse_verdict(json.dumps(data)[len(ANSWER_OPENING):], PASSAGE)


def test_the_prompt_is_chatml_with_a_fixed_part_and_the_answer_opened():
    fixed = fixed_prompt()
    assert fixed.startswith("<|im_start|>system\n") and fixed.count("<|im_start|>assistant\n") == len(EXAMPLES)
    for _, example in EXAMPLES:  # the worked examples pass the same checks as the model's answers
        assert 0 <= min(example[k] for k in ("hook", "story", "surprise", "standalone"))
        assert len(example["title"]) <= 60
    tail = passage_prompt(PASSAGE)
    assert PASSAGE in tail and tail.endswith("<|im_start|>assistant\n" + ANSWER_OPENING)


def test_requests_round_trip_and_bad_ones_are_invalid():
    assert read_request(passage_request("  three  words\nhere ")) == Passage("three words here")
    assert read_request(passage_request("drei Wörter hier", "de")) == Passage("drei Wörter hier", "de")
    assert read_request(passage_request("three words here", "en")) == Passage("three words here")  # as ever
    for bad, problem in [(b"{not json", "not JSON"), (json.dumps(["x"]), '"text" string'),
                         (json.dumps({"text": "hi"}), "no words"),
                         (json.dumps({"text": "word " * 1000}), "at most"),
                         (json.dumps({"text": PASSAGE, "prompt_version": "old"}), "prompt version"),
                         (json.dumps({"text": PASSAGE, "language": "German"}), "language code")]:
        with pytest.raises(InvalidPassage, match=problem) as err:
            read_request(bad)
        assert not err.value.retriable


def test_the_cache_key_follows_model_prompt_and_words_not_spacing():
    assert cache_key("m", "a  b\nc") == cache_key("m", "a b c")
    assert cache_key("m", "a b c") != cache_key("other", "a b c") != cache_key("m", "a b d")
    assert PROMPT_VERSION in json.dumps([PROMPT_VERSION])  # the version is part of the key's input


class Model:
    """Stands in for the Triton call in ask_until_valid: answers from a script, records attempts."""

    def __init__(self, answers):
        self.answers, self.attempts = list(answers), []

    async def __call__(self, text, attempt):
        self.attempts.append(attempt)
        item = self.answers.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def test_a_malformed_answer_is_asked_again_with_the_next_attempt():
    model = Model(['not json', answer(hook=120), answer()])
    judged = asyncio.run(ask_until_valid(model, PASSAGE, attempts=4))
    assert model.attempts == [0, 1, 2] and judged.attempts == 3 and judged.verdict.title == GOOD["title"]


def test_after_the_last_attempt_the_judge_is_not_trusted():
    model = Model(['not json'] * 3)
    with pytest.raises(MalformedVerdict, match="no usable answer in 3 tries; the last: .*not JSON"):
        asyncio.run(ask_until_valid(model, PASSAGE, attempts=3))
    assert model.attempts == [0, 1, 2]


def test_an_unreachable_model_is_not_counted_as_a_malformed_answer():
    model = Model([InferenceUnavailable("triton away"), answer()])
    with pytest.raises(InferenceUnavailable):
        asyncio.run(ask_until_valid(model, PASSAGE, attempts=4))
    assert model.attempts == [0]


def test_a_judge_model_that_is_not_installed_says_how_to_install_it(monkeypatch, tmp_path):
    from streams.errors import ModelMissing
    from streams.judge import weights

    monkeypatch.setenv("CLIPSTREAM_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelMissing, match="scripts/setup.sh"):
        weights.installed(weights.DEFAULT_MODEL)
    with pytest.raises(ModelMissing, match="no clip judge model is called"):
        weights.model_dir("gpt-9")


def test_a_reason_that_runs_on_keeps_its_first_sentence_only():
    v = parse_verdict(answer(reason="Ice crosses the equator twice in sawdust and still sells at a profit. "
                                    "Then more follows! And more."), PASSAGE)
    assert v.reason == "Ice crosses the equator twice in sawdust and still sells at a profit."


def test_verdicts_are_kept_under_the_weights_that_gave_them():
    from streams.judge.weights import DEFAULT_MODEL, identity

    assert identity(DEFAULT_MODEL) == DEFAULT_MODEL
    assert identity(DEFAULT_MODEL, "/srv/judge") == f"{DEFAULT_MODEL}@/srv/judge" != identity(DEFAULT_MODEL)
    assert cache_key(identity(DEFAULT_MODEL), "a b") != cache_key(identity("qwen2.5-coder-1.5b-instruct"), "a b")


JA_PASSAGE = "復興努力に対するリベラル派からの批判では、ワシントンの内部関係者と思われる人物と復興契約を交わしたことに焦点を当てています。"


def test_a_passage_in_another_language_is_judged_in_it():
    """A German or Japanese passage is read (its words counted in its own script), the prompt says
    which language it is and asks for the title and reason in it, and its verdicts are kept apart
    from the same text's English ones. An English passage's prompt and key are as they always were."""
    assert read_request(passage_request(JA_PASSAGE, "ja")) == Passage(JA_PASSAGE, "ja")
    asked = passage_prompt(JA_PASSAGE, "ja")
    assert "'ja'" in asked and "write the title and the reason in that language" in asked
    assert passage_prompt(PASSAGE, "en") == passage_prompt(PASSAGE) and "Passage:\n" in passage_prompt(PASSAGE)
    assert cache_key("m", JA_PASSAGE, "ja") != cache_key("m", JA_PASSAGE)
    assert cache_key("m", PASSAGE, "en") == cache_key("m", PASSAGE)
    verdict = parse_verdict(answer(title="ワシントンの復興契約をめぐる批判",
                                   reason="リベラル派が復興契約の相手を問題にし、その背景が短く語られる。"), JA_PASSAGE)
    assert verdict.title == "ワシントンの復興契約をめぐる批判"
    with pytest.raises(MalformedVerdict, match="name nothing"):  # shares only particles with the passage
        parse_verdict(answer(title="すばらしいはなしです", reason="これはとてもおもしろいはなしで、みんながみるべきです。"),
                      JA_PASSAGE)
    german = "Im Jahr achtzehnhundertdreiunddreißig verließ ein Schiff Boston mit Eis, in Sägemehl verpackt."
    assert parse_verdict(answer(title="Eis aus Boston übersteht die Reise",
                                reason="Ein Schiff bringt Eis über den Ozean, und Sägemehl hält es kalt."),
                         german).title == "Eis aus Boston übersteht die Reise"
