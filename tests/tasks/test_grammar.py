"""The text grammar of each task: round trips, answers, and clear errors for malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotated import Vocabulary, get_task
from annotated.tasks import AdditionTask, CopyTask, SortTask

DIGITS = st.lists(st.sampled_from("0123456789"), min_size=1, max_size=10)
OPERAND = st.integers(min_value=0, max_value=999)


@given(DIGITS)
def test_copy_and_sort_parse_what_they_render_and_answer_right(digits: list[str]) -> None:
    text = " ".join(digits)
    assert CopyTask().parse(text) == digits and SortTask().parse(text) == digits
    assert CopyTask().answer(text) == text
    assert SortTask().answer(text) == " ".join(sorted(digits))
    assert SortTask().parse("  " + "   ".join(digits) + "\t") == digits  # any whitespace


@given(OPERAND, OPERAND)
def test_addition_answers_the_sum(a: int, b: int) -> None:
    task = AdditionTask()
    assert task.answer(f"{a}+{b}") == str(a + b)
    assert task.answer(f" {a:03d} + {b} ") == str(a + b)  # spaces and leading zeros are fine
    assert task.parse(f"{a:03d}+{b}") == list(f"{a}+{b}")  # canonical form


@pytest.mark.parametrize(
    ("task", "text", "problem"),
    [
        ("copy", "", "empty input"),
        ("copy", "   ", "empty input"),
        ("copy", "3 14", "'14' is not a single digit"),
        ("copy", "3,1", "'3,1' is not a single digit"),
        ("copy", "a b", "'a' is not a single digit"),
        ("copy", "١ ٢", "is not a single digit"),  # Arabic-Indic digits are not in the vocabulary
        ("sort", " ".join("12345678901"), "11 digits is too many"),
        ("sort", "-1", "is not a single digit"),
        ("add", "", "is not a sum"),
        ("add", "1000+1", "1000 is out of range"),
        ("add", "1+1000", "1000 is out of range"),
        ("add", "-1+2", "is not a sum"),
        ("add", "1+", "is not a sum"),
        ("add", "+1", "is not a sum"),
        ("add", "1+2+3", "is not a sum"),
        ("add", "1 2+3", "is not a sum"),
        ("add", "1.5+2", "is not a sum"),
        ("add", "٣+1", "is not a sum"),
        ("add", "x" * 500, "is not a sum"),
    ],
)
def test_malformed_input_is_rejected_with_a_clear_message(
    task: str, text: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem) as error:
        get_task(task).answer(text)
    assert (
        "e.g." in str(error.value) and "\n" not in str(error.value) and len(str(error.value)) < 200
    )


def test_non_text_input_is_rejected() -> None:
    for name in ("copy", "add"):
        with pytest.raises(ValueError, match="expected text"):
            get_task(name).parse(123)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["copy", "sort", "add"])
def test_vocabulary_convention(name: str) -> None:
    vocab = get_task(name).vocab
    assert vocab.tokens[:3] == ("<pad>", "<s>", "</s>") and (vocab.pad, vocab.start, vocab.end) == (
        0,
        1,
        2,
    )
    assert not set(vocab.symbols) & {"<pad>", "<s>", "</s>"}
    ids = vocab.encode(list(vocab.symbols))
    assert ids == list(range(3, len(vocab))) and vocab.decode([1, *ids, 2, 0]) == list(
        vocab.symbols
    )


def test_vocabulary_rejects_clashes_and_unknown_indices() -> None:
    with pytest.raises(ValueError, match="special"):
        Vocabulary(("a", "</s>"))
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary(("a", "a"))
    with pytest.raises(ValueError, match="at least one"):
        Vocabulary(())
    with pytest.raises(ValueError, match="out of range"):
        Vocabulary(("a",)).decode([7])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        Vocabulary(("a",)).encode(["<s>"])


def test_unknown_task_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown task 'reverse'"):
        get_task("reverse")
