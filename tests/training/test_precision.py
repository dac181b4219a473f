"""dtype="auto": bfloat16 only where the hardware multiplies it (Muon's own: test_muon.py)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

from annotated.tasks.translation.options import TranslationOptions
from annotated.training import muon as muon_module
from annotated.training import precision
from annotated.training.precision import has_native_bf16, resolve_dtype
from annotated.training.step import ForwardLoss

CPUINFO = Path("/proc/cpuinfo")


def pretend(monkeypatch: pytest.MonkeyPatch, native: bool) -> None:
    """Make every check of this process answer ``native``."""
    for module in (precision, muon_module):
        monkeypatch.setattr(module, "has_native_bf16", lambda device_type: native)


@pytest.mark.skipif(not CPUINFO.exists(), reason="reads Linux's /proc/cpuinfo")
def test_the_cpu_check_agrees_with_the_processor_flags() -> None:
    flags = next(line for line in CPUINFO.read_text().splitlines() if line.startswith("flags"))
    assert has_native_bf16("cpu") == bool({"avx512_bf16", "amx_tile"} & set(flags.split()))


@pytest.mark.parametrize(("native", "expected"), [(True, "bf16"), (False, "fp32")])
def test_auto_follows_the_hardware(
    monkeypatch: pytest.MonkeyPatch, native: bool, expected: str
) -> None:
    pretend(monkeypatch, native)
    assert resolve_dtype("auto", "cpu") == expected
    model = torch.nn.Linear(4, 4)
    step = ForwardLoss(model, lambda m, x: (m(x).sum(), x.numel()), dtype="auto")
    loss, _ = step(torch.randn(2, 4))
    assert step.dtype == expected
    assert loss.dtype == (torch.bfloat16 if native else torch.float32)


def test_bf16_without_the_instructions_warns_and_still_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pretend(monkeypatch, False)
    with pytest.warns(RuntimeWarning, match="emulated and run many times slower than fp32"):
        assert resolve_dtype("bf16", "cpu") == "bf16"
    pretend(monkeypatch, True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_dtype("bf16", "cpu") == "bf16"
        assert resolve_dtype("fp32", "cpu") == "fp32"


def test_translation_defaults_to_auto() -> None:
    assert TranslationOptions().loop.dtype == "auto"
