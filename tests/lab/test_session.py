"""LabSession: each person's runs are their own; one training at a time; a bounded history."""

from __future__ import annotations

import copy
import threading

import pytest

from annotated.lab import LabSession
from annotated.lab.session import MAX_RUNS, TABLE_COLUMNS
from tests.lab.helpers import TINY_GPT, TINY_TASK, gpt_data, tiny


def test_two_sessions_training_at_once_see_only_their_own_runs() -> None:
    alice, bob = LabSession(), LabSession()
    barrier = threading.Barrier(2)

    def work(session: LabSession, seed: int) -> None:
        barrier.wait()
        for k in range(2):
            session.train(tiny(TINY_TASK, max_steps=4, seed=seed + k)).wait(120)

    threads = [threading.Thread(target=work, args=(s, 10 * i)) for i, s in enumerate((alice, bob))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert alice.names() == bob.names() == ["run 1", "run 2"]
    assert [r.config.seed for r in alice.runs.values()] == [0, 1]
    assert [r.config.seed for r in bob.runs.values()] == [10, 11]
    assert not set(map(id, alice.runs.values())) & set(map(id, bob.runs.values()))
    assert alice.runs["run 1"].curves.train_loss != bob.runs["run 1"].curves.train_loss


def test_one_run_trains_at_a_time_and_stop_frees_the_session() -> None:
    session = LabSession()
    first = session.train(tiny(TINY_TASK, max_steps=5000))
    with pytest.raises(RuntimeError, match="run 1 is still training: stop it first"):
        session.train(TINY_TASK)
    assert session.stop() is first
    assert first.wait(120) and first.status == "stopped"
    assert session.train(tiny(TINY_TASK, max_steps=2)).wait(120)
    assert session.stop() is None


def test_the_oldest_runs_make_room() -> None:
    session = LabSession()
    for _ in range(MAX_RUNS + 2):
        session.train(tiny(TINY_TASK, max_steps=1, warmup=0)).wait(120)
    assert session.names() == [f"run {k}" for k in range(3, MAX_RUNS + 3)]
    assert session.current is session.runs[f"run {MAX_RUNS + 2}"]
    session.forget("run 3")
    assert "run 3" not in session.names()
    with pytest.raises(KeyError, match="no run 'run 1' in this session"):
        session.get("run 1")


def test_table_has_a_row_per_run_with_every_column() -> None:
    session = LabSession()
    session.train(tiny(TINY_TASK, max_steps=2, positions="alibi")).wait(120)
    [row] = session.table()
    assert len(row) == len(TABLE_COLUMNS)
    assert dict(zip(TABLE_COLUMNS, row, strict=True))["positions"] == "alibi"


def test_table_shows_the_ladder_switches() -> None:
    session = LabSession()
    config = tiny(TINY_GPT, max_steps=2, qk_norm=True, logit_softcap=30.0, optimizer="muon")
    session.train(config, data=gpt_data(config)).wait(120)
    row = dict(zip(TABLE_COLUMNS, session.table()[0], strict=True))
    assert (row["qk norm"], row["zero init"], row["soft-cap"]) == (True, False, 30.0)
    assert (row["optimizer"], row["status"]) == ("muon 0.02", "finished")


def test_an_empty_session_copies_as_a_new_one_and_a_busy_one_refuses() -> None:
    session = LabSession()
    fresh = copy.deepcopy(session)
    assert isinstance(fresh, LabSession) and fresh is not session
    session.train(tiny(TINY_TASK, max_steps=1, warmup=0)).wait(120)
    with pytest.raises(TypeError, match="not copied"):
        copy.deepcopy(session)
    assert LabSession().get.__doc__  # the session is usable without Gradio
    with pytest.raises(KeyError, match="no run yet"):
        LabSession().get()


def test_a_run_keeps_its_colour_in_every_comparison() -> None:
    from matplotlib.colors import to_hex

    from annotated.lab.curves import Curves
    from annotated.lab.plots import compare_figure

    curves = Curves()
    for step in (1, 2):
        curves.add(step, 1.0 / step, lr=0.1, tokens_per_s=1.0, seconds=float(step))
        curves.set_val(step, 1.0 / step)

    def colours(names: list[str]) -> list[str]:
        fig = compare_figure([(n, curves) for n in names], [LabSession.colour(n) for n in names])
        return [to_hex(line.get_color()) for line in fig.axes[1].get_lines()]

    both, alone = colours(["run 1", "run 3"]), colours(["run 3"])
    assert alone == both[1:] and both[0] != both[1]
    kept = [f"run {k}" for k in range(1, 30)][-MAX_RUNS:]
    assert len({LabSession.colour(n) for n in kept}) == MAX_RUNS
