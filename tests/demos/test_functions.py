"""The tabs' plain functions, called directly on small untrained models (no server).

These run in the fast lane (when Gradio is installed): they pin the validation messages,
the shapes of what each function returns, and the Space's files, in seconds.
"""

from __future__ import annotations

import gc
import itertools
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from annotated import GPT, EncoderDecoder, GPTConfig, get_task

gr = pytest.importorskip("gradio")


from annotated.decoding.generate import context_start  # noqa: E402
from annotated.demo import Models, build_demo  # noqa: E402  (needs Gradio)
from annotated.demo.models import model_sizes  # noqa: E402
from annotated.demo.shakespeare_tab import ShakespeareDemo, check_sampling  # noqa: E402
from annotated.demo.space import check_wheel, export_space, readme, requirements  # noqa: E402
from annotated.demo.task_tab import MAX_BEAM, TaskDemo  # noqa: E402
from annotated.tasks import LanguageModel, TaskModel  # noqa: E402
from annotated.tokenizers import CharTokenizer  # noqa: E402
from tests.demos.conftest import GRADIO_WARNINGS  # noqa: E402

pytestmark = [pytest.mark.filterwarnings(w) for w in GRADIO_WARNINGS]

CORPUS = "ROMEO:\nBut soft, what light through yonder window breaks?\n"


def tiny_loader(name: str) -> TaskModel | LanguageModel:
    """Untrained models of the shipped shapes (their answers are arbitrary, their types not)."""
    torch.manual_seed(0)
    if name == "shakespeare":
        tokenizer = CharTokenizer.from_text(CORPUS)
        config = GPTConfig(tokenizer.vocab_size, max_len=16, N=2, h=2, d_model=16)
        return LanguageModel(GPT(config).eval(), tokenizer, card={})
    task = get_task(name)
    return TaskModel(EncoderDecoder.from_config(task.config()).eval(), task, card={})


@pytest.fixture(scope="module")
def models() -> Models:
    return Models(tiny_loader, threads=None)


@pytest.mark.parametrize(("name", "text"), [("copy", "3 1 4"), ("sort", "9 0"), ("add", "12+7")])
@pytest.mark.parametrize("beam", [1, 3])
def test_answer_and_verdict(models: Models, name: str, text: str, beam: int) -> None:
    answer, verdict = TaskDemo(name, models).answer(text, beam)
    expected = get_task(name).answer(text)
    assert verdict == ("right" if answer == expected else f"wrong: expected {expected}")


@pytest.mark.parametrize("name", ["copy", "sort", "add"])
def test_attention_is_one_png_shown_and_downloadable(models: Models, name: str) -> None:
    demo = TaskDemo(name, models)
    text = "1+2" if name == "add" else "1 2"
    layers, heads = len(models.task(name).model.encoder.layers), models.task(name).model.encoder.layers[0].self_attn.h  # fmt: skip
    image, download = demo.attention(text, 1, layers, heads)
    assert image == download and Path(image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(gr.Error, match=f"layer must be a whole number from 1 to {layers}"):
        demo.attention(text, 1, layers + 1, 1)
    with pytest.raises(gr.Error, match=f"head must be a whole number from 1 to {heads}"):
        demo.attention(text, 1, 1, 0)


def test_moving_a_slider_before_any_input_does_nothing(models: Models) -> None:
    skipped = TaskDemo("copy", models).attention_if_any("  ", 1, 1, 1)
    assert all(isinstance(s, type(gr.skip())) for s in skipped)
    assert ShakespeareDemo(models).inspect_if_any("ROMEO:", "", 1, 0.8, 0, 1.0) == skipped


BAD_TASK_INPUTS = [
    ("copy", None, "The input is empty"),
    ("copy", "", "The input is empty"),
    ("copy", " \n ", "The input is empty"),
    ("copy", "1 " * 31, "The input is too long (62 characters)"),
    ("copy", "3 14", "Not a valid input: '14' is not a single digit"),
    ("sort", "1 2 3 4 5 6 7 8 9 0 1", "11 digits is too many"),
    ("add", "1000+1", "1000 is out of range"),
    ("add", "1+", "is not a sum"),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_TASK_INPUTS)
def test_bad_task_input(models: Models, name: str, text: Any, message: str) -> None:
    with pytest.raises(gr.Error, match=message.replace("(", r"\(").replace(")", r"\)")) as error:
        TaskDemo(name, models).answer(text)
    assert not str(error.value.message).startswith("'") and str(error.value.message)[-1] == "."


@pytest.mark.parametrize("beam", [0, MAX_BEAM + 1, 2.5, math.nan, math.inf, True, None, "2"])
def test_bad_beam_width(models: Models, beam: Any) -> None:
    with pytest.raises(gr.Error, match=f"beam width must be a whole number from 1 to {MAX_BEAM}"):
        TaskDemo("copy", models).answer("1 2", beam)


def test_generation_streams_growing_text_reproducibly(models: Models) -> None:
    demo = ShakespeareDemo(models)
    updates = list(demo.generate("ROMEO:", 1.0, 5, 0.9, 40, 3))
    assert updates[-1].startswith("ROMEO:") and len(updates[-1]) == len("ROMEO:") + 40
    assert all(b.startswith(a) for a, b in itertools.pairwise(updates))
    assert list(demo.generate("ROMEO:", 1.0, 5, 0.9, 40, 3))[-1] == updates[-1]
    greedy = list(demo.generate("ROMEO:", 0, 0, 1.0, 12, 0))[-1]
    assert list(demo.generate("ROMEO:", 0, 0, 1.0, 12, 99))[-1] == greedy  # no randomness


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("",), "The prompt is empty"),
        ((None,), "The prompt is empty"),
        (("x" * 501,), "The prompt is too long"),
        (("ROMEO{",), "not in the vocabulary"),
        (("ROMEO:", 2.5), "temperature must be a number from 0 to 2"),
        (("ROMEO:", 0.8, -1), "top-k must be a whole number from 0 to 100"),
        (("ROMEO:", 0.8, 0, 0.0), "top-p must be above 0"),
        (("ROMEO:", 0.8, 0, 1.5), "top-p must be a number from 0 to 1"),
        (("ROMEO:", 0.8, 0, 1.0, 10**9), "length must be a whole number from 1 to 1000"),
        (("ROMEO:", 0.8, 0, 1.0, 10, -3), "seed must be a whole number"),
    ],
)
def test_bad_generation_options(models: Models, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(gr.Error, match=message):
        list(ShakespeareDemo(models).generate(*args))


@pytest.mark.parametrize("shown_keys", [8, 64])  # fewer, more than the block size (16)
def test_inspect_draws_the_distribution_and_the_attention(
    models: Models, shown_keys: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotated.demo import shakespeare_tab

    monkeypatch.setattr(shakespeare_tab, "SHOWN_KEYS", shown_keys)
    demo = ShakespeareDemo(models)
    text = list(demo.generate("ROMEO:", 0.8, 0, 1.0, 30, 0))[-1]  # longer than max_len
    assert demo.steps("ROMEO:", text).maximum == 30
    for step in (1, 30):
        probs, attention = demo.inspect("ROMEO:", text, step, 0.8, 3, 0.9)
        assert Path(probs).is_file() and Path(attention).is_file()
    with pytest.raises(gr.Error, match="step must be a whole number from 1 to 30"):
        demo.inspect("ROMEO:", text, 31)
    with pytest.raises(gr.Error, match="Generate first"):
        demo.inspect("ROMEO:", "JULIET:")


def test_greedy_text_is_the_arg_max_of_every_inspected_distribution(models: Models) -> None:
    lm, demo = models.language(), ShakespeareDemo(models)
    text = list(demo.generate("ROMEO:", 0, 0, 1.0, 50, 0))[-1]  # block 16: shifts 6 times
    ids, greedy = lm.tokenizer.encode(text), check_sampling(0, 0, 1.0)
    for at in range(len("ROMEO:"), len(text)):
        start = context_start(len("ROMEO:"), at, lm.model.config.max_len)
        assert 0 < at - start <= lm.model.config.max_len
        probs = ShakespeareDemo._distribution(lm, ids[start:at], greedy)
        assert lm.tokenizer.chars[int(probs.argmax())] == text[at], at


def test_the_sampled_distribution_is_what_the_sampler_draws_from(models: Models) -> None:
    lm = models.language()
    context = lm.tokenizer.encode("ROMEO:")
    top1 = ShakespeareDemo._distribution(lm, context, check_sampling(1.0, 1, 1.0))
    assert math.isclose(top1.max(), 1.0) and (top1 > 0).sum() == 1
    full = ShakespeareDemo._distribution(lm, context, check_sampling(1.0, 0, 1.0))
    assert math.isclose(full.sum(), 1.0, rel_tol=1e-5) and (full > 0).all()
    assert top1.argmax() == full.argmax()
    # greedy's own distribution is one bar; the chart shows the model's, top bar = greedy's pick
    greedy = ShakespeareDemo._distribution(lm, context, check_sampling(0, 5, 0.5))
    assert np.array_equal(greedy, full)


def test_building_the_app_loads_nothing() -> None:
    calls: list[str] = []
    demo = build_demo(Models(lambda name: calls.append(name)))
    names = {d.api_name for d in demo.fns.values() if d.api_name}
    assert {"copy", "sort", "add", "shakespeare", "copy_attention", "shakespeare_inspect",
            "translate", "translate_attention"} <= names  # fmt: skip
    assert calls == []
    del demo
    gc.collect()  # Gradio's unclosed event loops are reported now, under this test's filters


def test_model_sizes_come_from_the_cards() -> None:
    for name in ("copy", "sort", "add"):
        layers, heads = model_sizes(name)
        assert layers >= 1 and heads >= 1


def test_space_files(tmp_path: Path) -> None:
    text = readme("6.31.0")
    assert (
        text.startswith("---\n") and "\nsdk: gradio\n" in text and "\nsdk_version: 6.31.0\n" in text
    )
    assert "\napp_file: app.py\n" in text
    wheel = tmp_path / "annotated-0.1.0-py3-none-any.whl"
    lines = requirements(wheel, "6.31.0", "2.13.0").splitlines()
    assert {"./annotated-0.1.0-py3-none-any.whl", "gradio==6.31.0", "torch==2.13.0"} <= set(lines)
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("annotated/__init__.py", "")
    with pytest.raises(RuntimeError, match=r"lacks annotated/demo/app\.py"):
        check_wheel(wheel, Path(__file__).resolve().parents[2])
    files = export_space(tmp_path / "space", wheel=wheel)
    assert sorted(p.name for p in files) == sorted(
        ["README.md", "app.py", "requirements.txt", wheel.name]
    )
    compile((tmp_path / "space" / "app.py").read_text(), "app.py", "exec")
    with pytest.raises(FileExistsError, match="is not empty"):
        export_space(tmp_path / "space", wheel=wheel)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lr", 5.0, "learning rate must be a number from 1e-05 to 1; got 5.0"),
        ("lr", 0.0, "learning rate must be a number from 1e-05 to 1; got 0.0"),
        ("lr", None, "learning rate must be a number from 1e-05 to 1; got None"),
        ("warmup", -1, "warmup steps must be a whole number from 0 to 5000; got -1"),
        ("warmup", 6000, "warmup steps must be a whole number from 0 to 5000; got 6000"),
        ("seed", -3, "seed must be a whole number from 0 to 2.14748e+09; got -3"),
        ("seed", 2**31, "seed must be a whole number from 0 to 2.14748e+09"),
    ],
)
def test_lab_number_boxes_leave_out_of_range_values_to_the_lab_checks(
    field: str, value: Any, message: str
) -> None:
    """Gradio's own bounds would refuse the value first, with the Train button left enabled."""
    from annotated.demo.lab_events import FIELDS, check
    from annotated.lab import LabConfig

    demo = build_demo(Models(tiny_loader))
    box = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == f"lab-{field}")
    assert isinstance(box, gr.Number)
    passed = box.preprocess(value)  # what the page sends reaches check() unrefused
    values = LabConfig().to_dict() | {field: passed}
    verdict, _, button = check(*(values[f] for f in FIELDS))
    assert verdict.startswith("✗ Cannot train: ") and message in verdict
    assert button.interactive is False
    del demo
    gc.collect()


def test_lab_input_errors_keep_their_quotes() -> None:
    """Gradio strips a message's enclosing quotes; the prefix keeps ``'abc'`` whole."""
    from annotated.demo.lab_events import attention, sample
    from annotated.lab import LabSession
    from tests.lab.helpers import TINY_TASK, tiny

    session = LabSession()
    try:
        assert session.train(tiny(TINY_TASK, max_steps=2)).wait(120)
        for ask in (lambda: sample(session, None, "abc"), lambda: attention(session, None, "abc")):
            with pytest.raises(gr.Error) as error:
                ask()
            message = str(error.value.message)
            assert message.startswith("Not a valid input: 'abc' is not a single digit")
            assert message.endswith("e.g. '3 1 4 1 5'.")
    finally:
        session.close()


def test_an_invalid_input_clears_the_last_answer_and_its_attention(models: Models) -> None:
    """After "1 2" then "abc", the page must not keep the maps titled with "1 2"."""
    demo = build_demo(models)
    failures = [
        d for d in demo.fns.values() if d.fn is TaskDemo.cleared and d.trigger_only_on_failure
    ]
    assert len(failures) == 3  # copy, sort, add (the Translate tab's: test_translate_tab.py)
    for dep in failures:
        ids = {o._id for o in dep.outputs}
        elem = {o.elem_id for o in dep.outputs}
        name = next(e.split("-")[0] for e in elem if e)
        assert elem >= {f"{name}-answer", f"{name}-verdict", f"{name}-attention", f"{name}-png"}
        assert len(ids) == 4
    answer, verdict, image, download = TaskDemo.cleared()
    assert answer is verdict is image is None
    assert download.value is None and download.visible is False
    del demo
    gc.collect()


def test_the_step_box_redraws_on_typing_and_release_once_per_drag(models: Models) -> None:
    """The slider's number box has no submit: typing fires ``input``, leaving it ``release``."""
    demo = build_demo(models)
    (dep,) = [d for d in demo.fns.values() if getattr(d.fn, "__name__", "") == "inspect_if_any"]
    step = next(
        b for b in demo.blocks.values() if str(getattr(b, "label", "")).startswith("step (")
    )
    assert sorted(t[1] for t in dep.targets if t[0] == step._id) == ["input", "release"]
    assert dep.trigger_mode == "always_last"  # a drag's inputs fold into the last one
    del demo
    gc.collect()


def test_the_download_button_is_hidden_until_there_are_maps(models: Models) -> None:
    demo = build_demo(models)
    for name in ("copy", "sort", "add"):
        button = next(b for b in demo.blocks.values() if getattr(b, "elem_id", "") == f"{name}-png")
        assert isinstance(button, gr.DownloadButton) and button.visible is False
        (drawn,) = [d for d in demo.fns.values() if d.api_name == f"{name}_attention"]
        (shown,) = [d for d in demo.fns.values() if d.trigger_after == drawn._id]
        assert shown.trigger_only_on_success and [o._id for o in shown.outputs] == [button._id]
        update = shown.fn()
        assert update.visible is True
    del demo
    gc.collect()
