"""The options of a Shakespeare run: validation, the model and schedule they describe."""

from __future__ import annotations

import pytest

from annotated.tasks.language_model.options import LanguageModelOptions


def test_options_describe_the_model_and_the_schedule() -> None:
    o = LanguageModelOptions.for_run(
        {"N": 2, "d_model": 64, "h": 4, "positions": "alibi", "max_steps": 50} | {"warmup": 5}
    )
    config = o.with_vocab_size(65).model
    assert (config.N, config.d_model, config.positions, config.vocab_size) == (
        2,
        64,
        "alibi",
        65,
    )
    lr = o.schedule()
    assert lr(5) == o.lr and lr(50) == pytest.approx(o.min_lr)
    assert LanguageModelOptions.from_dict(o.to_dict()) == o


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"warmup": 10, "max_steps": 5}, "longer than --max-steps"),
        ({"lr": 1e-4, "min_lr": 1e-3}, "above --lr"),
        ({"d_model": 30, "h": 4}, "divisible by h"),
        ({"norm": "batch"}, "norm"),
        ({"beta2": 1.0}, "beta2"),
        ({"optimizer": "sgd"}, r"--optimizer must be one of \('adamw', 'muon'\), got 'sgd'"),
        ({"muon_lr": 0.0}, "muon_lr must be positive"),
        ({"muon_momentum": 1.0}, "muon_momentum"),
    ],
)
def test_bad_options_fail_at_once(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LanguageModelOptions.for_run(fields)


def test_unknown_option_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown"):
        LanguageModelOptions.from_dict({"n_embd": 128})
    with pytest.raises(ValueError, match="unknown"):
        LanguageModelOptions.for_run({"n_embd": 128})


def test_options_saved_before_muon_load_as_adamw() -> None:
    saved = LanguageModelOptions().to_dict()
    for key in ("optimizer", "muon_lr", "muon_momentum"):
        del saved[key]
    options = LanguageModelOptions.from_dict(saved)
    assert options == LanguageModelOptions() and options.optimizer == "adamw"
