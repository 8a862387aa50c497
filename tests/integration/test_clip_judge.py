"""The clip judge's Triton model answers real requests, and its answers pass the checks or are
asked again; a request it cannot read is refused at once, not retried."""

import pytest

from streams.adapters.triton import CallPolicy, TritonClient
from streams.errors import InferenceError, MalformedVerdict
from streams.judge.verdict import ask_until_valid

pytestmark = pytest.mark.integration

# A highlight of the labelled lecture in ../shared/eval/highlights, as Whisper would write it.
PASSAGE = (
    "Here is a story I love. In eighteen thirty-three a ship called the Tuscany left Boston for Calcutta "
    "with one hundred and eighty tons of ice packed in sawdust. The voyage took four months and crossed the "
    "equator twice. When it arrived, about a hundred tons were left, and the ice sold at a profit. The "
    "sawdust was a waste product of New England's lumber mills. So the first global cold chain was built "
    "out of garbage."
)


@pytest.fixture
async def triton(stack):
    client = TritonClient(stack.triton_grpc_url, CallPolicy(deadline_seconds=300.0))
    yield client
    await client.close()


async def test_the_judge_answers_a_passage_with_a_checked_verdict(triton):
    async def ask(text, attempt):
        answer = await triton.judge_answer(text, attempt)
        assert answer["model"] and answer["prompt_version"]
        # what verdicts are kept under names the weights that answered, not the Triton model
        assert await triton.judge_model() == answer["model"] != "clip_judge"
        return answer["text"]

    try:
        judged = await ask_until_valid(ask, PASSAGE, attempts=4)
    except MalformedVerdict as exc:  # the model answered, but never usably: say what it said
        pytest.fail(f"the judge gave no usable verdict in 4 answers: {exc}")
    v = judged.verdict
    assert 1 <= judged.attempts <= 4
    assert 3 <= len(v.title) <= 60 and 20 <= len(v.reason) <= 220
    assert all(0.0 <= s <= 1.0 for s in v.scores().values())
    assert await ask(PASSAGE, 0) == await ask(PASSAGE, 0)  # the first answer is greedy: the same each time
    assert triton.stats()["models"]["clip_judge"]["ok"] >= judged.attempts


async def test_a_passage_the_judge_cannot_read_is_refused_not_retried(triton):
    with pytest.raises(InferenceError) as err:
        await triton.judge_answer("", 0)
    assert not err.value.retriable and "no words" in str(err.value)
    assert triton.stats()["models"]["clip_judge"]["retries"] == 0


async def test_a_passage_in_another_script_reaches_the_judge_with_its_language(triton):
    """A Japanese passage was refused as having "no words" when words were ASCII runs; now it is read
    in its own script and answered, told its language (whether the small model's answer passes the
    checks is the caller's to find out, as for any answer)."""
    passage = ("復興努力に対するリベラル派からの批判では、ワシントンの内部関係者と思われる人物と"
               "復興契約を交わしたことに焦点を当てています。")
    answer = await triton.judge_answer(passage, 0, "ja")
    assert answer["text"].strip() and answer["prompt_version"]
    assert await triton.judge_answer(passage, 0, "ja") == answer  # greedy: told the same, it says the same
