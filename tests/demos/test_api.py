"""The app's API through ``gradio_client``, against the shipped models.

Each endpoint answers right on held-out inputs (the Translate tab: as the command line's
``translate`` does, with the model it serves); every bad input is an error with a clear
message and the next good request still works; 50 requests at once are all answered.
"""

from __future__ import annotations

import itertools
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from annotated import get_task
from annotated.tasks.translation.evaluation import translate
from annotated.tasks.translation.loading import TranslationModel
from tests.demos.conftest import GRADIO_WARNINGS

pytestmark = [pytest.mark.demos, *(pytest.mark.filterwarnings(w) for w in GRADIO_WARNINGS)]

SAMPLE = 12  # held-out inputs per task
CONCURRENT_LIMIT_S = 300.0
ENDPOINTS = ("/copy", "/sort", "/add", "/shakespeare", "/translate")
GERMAN = ["Der Hund sieht die Katze.", "Wählen Sie eine Linienfarbe aus.", "Klicken Sie auf OK."]


def samples(name: str) -> list[str]:
    """Held-out inputs (never trained on), then the edge cases of the grammar."""
    edges = {
        "copy": ["0", "0 1 2 3 4 5 6 7 8 9"],
        "sort": ["0", "9 8 7 6 5 4 3 2 1 0"],
        "add": ["0+0", "999+999"],
    }
    return get_task(name).held_out(SAMPLE) + edges[name]


def test_endpoints_take_the_text_first_and_default_the_rest(client: Any) -> None:
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name in ENDPOINTS:
        params = api[name]["parameters"]
        assert params[0]["parameter_name"] in ("text", "prompt"), (name, params[0])
        assert all(p["parameter_has_default"] for p in params[1:]), (name, params)


@pytest.mark.parametrize("name", ["copy", "sort", "add"])
def test_task_answers(client: Any, name: str) -> None:
    task = get_task(name)
    wrong = []
    for text in samples(name):
        answer, verdict = client.predict(text, api_name=f"/{name}")
        expected = task.answer(text)
        assert verdict == ("right" if answer == expected else f"wrong: expected {expected}")
        if answer != expected:
            wrong.append((text, answer, expected))
    assert not wrong, f"{name}: wrong answers {wrong}"


@pytest.mark.parametrize("name", ["copy", "sort", "add"])
def test_beam_search_answers(client: Any, name: str) -> None:
    text = samples(name)[0]
    answer, _ = client.predict(text, 4, api_name=f"/{name}")
    assert answer == get_task(name).answer(text)


@pytest.mark.parametrize("name", ["copy", "sort", "add"])
def test_attention_png(client: Any, name: str) -> None:
    image, download = client.predict(samples(name)[0], 1, 1, 2, api_name=f"/{name}_attention")
    assert image["path"].endswith(".png") and image["path"] == download["path"]
    assert image["url"].startswith("http://127.0.0.1:")


def test_shakespeare_is_reproducible_and_capped_at_length(client: Any) -> None:
    prompt = "ROMEO:\n"
    text = client.predict(prompt, 0.8, 0, 1.0, 50, 7, api_name="/shakespeare")
    assert text.startswith(prompt) and len(text) == len(prompt) + 50
    assert client.predict(prompt, 0.8, 0, 1.0, 50, 7, api_name="/shakespeare") == text
    default = client.predict(prompt, api_name="/shakespeare")
    assert default.startswith(prompt) and len(default) > len(prompt)


def test_shakespeare_streams(client: Any) -> None:
    job = client.submit("KING LEAR:\n", 1.0, 0, 1.0, 400, 0, api_name="/shakespeare")
    updates = list(job)  # every intermediate text, as the page sees them
    assert len(updates) >= 3, f"{len(updates)} updates for 400 characters"
    assert all(b.startswith(a) and len(b) > len(a) for a, b in itertools.pairwise(updates))
    assert updates[-1] == job.result() and len(updates[-1]) == len("KING LEAR:\n") + 400


def test_shakespeare_inspect(client: Any) -> None:
    text = client.predict("ROMEO:\n", 0.8, 40, 0.9, 30, 1, api_name="/shakespeare")
    probs, attention = client.predict(
        "ROMEO:\n", text, 5, 0.8, 40, 0.9, api_name="/shakespeare_inspect"
    )
    assert probs["path"].endswith(".png") and attention["path"].endswith(".png")


@pytest.mark.parametrize("text", GERMAN)
def test_translate_greedy_and_beam(client: Any, translator: TranslationModel, text: str) -> None:
    model, tokenizer, _ = translator
    english, table, notes = client.predict(text, "greedy", api_name="/translate")
    assert english == translate(model, tokenizer, [text], beam=1)[0]
    assert table["headers"] == ["rank", "English", "score", "tokens"] and len(table["data"]) == 1
    english, table, notes = client.predict(text, api_name="/translate")  # beam 4, alpha 0.6
    assert english == translate(model, tokenizer, [text], beam=4, alpha=0.6)[0]
    ranks, scores = [r[0] for r in table["data"]], [r[2] for r in table["data"]]
    assert ranks == [1, 2, 3, 4] and scores == sorted(scores, reverse=True)
    assert table["data"][0][1].removesuffix(" …") == english and notes == ""
    _, table, _ = client.predict(text, "beam search", 7, 1.0, api_name="/translate")
    assert [r[0] for r in table["data"]] == list(range(1, 8))


def test_translate_attention_is_a_png_to_download(client: Any) -> None:
    image, download = client.predict(GERMAN[1], "beam search", 4, 0.6, 1, 2,
                                     api_name="/translate_attention")  # fmt: skip
    assert image["path"].endswith(".png") and image["path"] == download["path"]
    with urllib.request.urlopen(download["url"], timeout=30) as response:
        assert response.status == 200 and response.read(8) == b"\x89PNG\r\n\x1a\n"


def test_translate_notes_a_doubtful_input_and_still_translates(client: Any) -> None:
    english, table, notes = client.predict("Der Hund 🐕 sieht die Katze.", api_name="/translate")
    assert "never saw emoji" in notes and table["data"][0][1].startswith(english)
    _, _, notes = client.predict("Please choose a colour for the line.", api_name="/translate")
    assert "This looks like English, not German" in notes


# the good request that follows a bad one, per endpoint family
GOOD = {
    "/copy": ("/copy", "3 1 2"),
    "/sort": ("/sort", "3 1 2"),
    "/add": ("/add", "12+30"),
    "/shakespeare": ("/shakespeare", "ROMEO:"),
    "/translate": ("/translate", "Klicken Sie auf OK."),
}
# (endpoint, arguments, a fragment the error message must contain)
BAD = [
    ("/copy", ("",), "empty"),
    ("/copy", ("   ",), "empty"),
    ("/copy", ("3 14",), "'14' is not a single digit"),
    ("/copy", ("3 a",), "'a' is not a single digit"),
    ("/copy", ("1 2 3 4 5 6 7 8 9 0 1",), "11 digits is too many"),
    ("/sort", ("7" * 61,), "too long"),
    ("/sort", ("3 1", 0), "minimum"),
    ("/sort", ("3 1", 99), "maximum"),
    ("/add", ("1000+1",), "1000 is out of range"),
    ("/add", ("-1+2",), "is not a sum"),
    ("/add", ("1+2+3",), "is not a sum"),
    ("/add_attention", ("12+3", 1, 9, 1), "not in the list of choices"),
    ("/shakespeare", ("",), "empty"),
    ("/shakespeare", ("ROMEO{}",), "not in the vocabulary"),
    ("/shakespeare", ("x" * 501,), "too long"),
    ("/shakespeare", ("ROMEO:", 0.8, 0, 1.0, 10**9), "maximum"),
    ("/shakespeare", ("ROMEO:", 0.8, 0, 1.0, 0), "minimum"),
    ("/shakespeare", ("ROMEO:", -1.0), "minimum"),
    ("/shakespeare", ("ROMEO:", 0.8, 0, 0.0), "minimum"),
    ("/shakespeare_inspect", ("ROMEO:", "JULIET:"), "Generate first"),
    ("/translate", ("",), "empty"),
    ("/translate", ("x" * 10_000,), "too long (10,000 characters; at most 500)"),
    ("/translate", ("😀🙂🎉",), "no words to translate"),
    ("/translate", ("Привет, как дела?",), "in Cyrillic script"),
    ("/translate", ("Hallo " + "🎉" * 300,), "too long for the model"),
    ("/translate", ("Hallo", "sampling"), "not in the list of choices"),
    ("/translate", ("Hallo", "beam search", 9), "maximum"),
    ("/translate", ("Hallo", "beam search", 4, -1.0), "minimum"),
    ("/translate_attention", ("Hallo", "greedy", 4, 0.6, 9, 1), "not in the list of choices"),
]


@pytest.mark.parametrize(("endpoint", "args", "message"), BAD, ids=[f"{b[0]}:{b[2]}" for b in BAD])
def test_bad_input_is_a_clear_error_and_the_server_keeps_serving(
    client: Any, translator: TranslationModel, endpoint: str, args: tuple[Any, ...], message: str
) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as error:
        client.predict(*args, api_name=endpoint)
    assert message in str(error.value), str(error.value)
    follow_up, text = GOOD[endpoint.split("_")[0]]
    result = client.predict(text, api_name=follow_up)
    if follow_up == "/shakespeare":
        assert result.startswith(text) and len(result) > len(text)
    elif follow_up == "/translate":
        model, tokenizer, _ = translator
        assert result[0] == translate(model, tokenizer, [text], beam=4, alpha=0.6)[0]
    else:
        assert result == (get_task(follow_up[1:]).answer(text), "right")


def test_refused_requests_leave_no_traceback_in_the_server_log(
    client: Any, server_log: Path
) -> None:
    """A person's typo is answered with a message, not logged as the server's failure."""
    from gradio_client.exceptions import AppError

    before = server_log.stat().st_size
    ours = [b for b in BAD if b[2] not in ("minimum", "maximum", "not in the list of choices")]
    for endpoint, args, _ in ours:  # the refusals of the app's own checks, not Gradio's
        with pytest.raises(AppError):
            client.predict(*args, api_name=endpoint)
    assert client.predict("3 1 2", api_name="/sort") == ("1 2 3", "right")
    with server_log.open(errors="replace") as log:
        log.seek(before)
        assert "Traceback" not in log.read()


def test_fifty_concurrent_requests_are_all_answered(app_url: str) -> None:
    from gradio_client import Client

    requests = [("/copy", t) for t in samples("copy")] + [("/sort", t) for t in samples("sort")]
    requests += [("/add", t) for t in samples("add")]
    requests = (requests * 2)[:46] + [("/shakespeare", "ROMEO:\n")] * 4
    client = Client(
        app_url, verbose=False, download_files=False, analytics_enabled=False, max_workers=64
    )
    try:
        start = time.perf_counter()
        jobs = [
            client.submit(t, 0.8, 0, 1.0, 40, i, api_name=e)
            if e == "/shakespeare"
            else client.submit(t, api_name=e)
            for i, (e, t) in enumerate(requests)
        ]  # all 50 in flight at once: the client has a thread for each
        deadline = start + CONCURRENT_LIMIT_S
        results = [job.result(timeout=max(1.0, deadline - time.perf_counter())) for job in jobs]
    finally:
        client.close()
    assert len(results) == len(requests) == 50
    for (endpoint, text), result in zip(requests, results, strict=True):
        if endpoint == "/shakespeare":
            assert result.startswith(text) and len(result) == len(text) + 40
        else:
            assert result[0] == get_task(endpoint[1:]).answer(text), (endpoint, text, result)
