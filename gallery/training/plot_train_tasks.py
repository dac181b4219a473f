"""
===================================
Training on the copy and sort tasks
===================================

The package's training loop, :func:`annotated.train`, on two of the synthetic tasks: copy a
list of digits, and sort it. Everything here is the public API: a task from
:func:`annotated.get_task`, its batches (:class:`annotated.Batch`), the loss
(:class:`annotated.LossCompute` with :class:`annotated.LabelSmoothing`), the paper's Adam,
a warmup + cosine schedule, and the exact match on inputs never seen in training.
"""

# %%
# A task
# ------
# A :class:`annotated.Task` writes its inputs and answers as text, and its
# :class:`annotated.Vocabulary` turns symbols into token ids: the special tokens (padding,
# start, end) come first.
import torch

from annotated import Task, Vocabulary, get_task

copy = get_task("copy")
print(isinstance(copy, Task), isinstance(copy.vocab, Vocabulary))
print("tokens:", copy.vocab.tokens)
print("3 1 4 ->", copy.vocab.encode(["3", "1", "4"]))
print("sort answers '3 1 4 1 5' with", repr(get_task("sort").answer("3 1 4 1 5")))

# %%
# Batches
# -------
# ``task.batch(seed, index, batch_size)`` draws a seeded batch of training inputs; held-out
# inputs are never among them. The :class:`annotated.Batch` holds the source, the target
# shifted for teacher forcing, both masks and the number of real target tokens.
batch = copy.batch(seed=0, index=0, batch_size=4)
shapes = {name: tuple(getattr(batch, name).shape) for name in ("src", "tgt", "tgt_mask")}
print(shapes, "ntokens:", batch.ntokens)

# %%
# Teacher forcing
# ---------------
# A :class:`annotated.Batch` built by hand shows the shift: the decoder reads the target
# without its last token and is trained to output it without its first.
from annotated import Batch

start, end = copy.vocab.start, copy.vocab.end
digits = copy.vocab.encode(["3", "1", "4"])
by_hand = Batch(torch.tensor([digits]), torch.tensor([[start, *digits, end]]))
print("decoder input: ", by_hand.tgt.tolist())
print("decoder output:", by_hand.tgt_y.tolist())

# %%
# The training loop
# -----------------
# :func:`annotated.train` takes the model, a function giving the batches from a position on,
# a loss function returning a summed loss and its token count, an optimizer, a schedule and
# :class:`annotated.LoopOptions`; it returns a :class:`annotated.TrainState` with the
# counters and the curves.
from functools import partial

from annotated import (
    EncoderDecoder,
    LabelSmoothing,
    LoopOptions,
    LossCompute,
    TrainState,
    exact_match,
    paper_adam,
    train,
    warmup_cosine,
)


def fit(task: Task, steps: int, batch_size: int, lr: float, warmup: int) -> tuple:
    torch.manual_seed(0)
    model = EncoderDecoder.from_config(task.config(**task.model_size))
    loss_fn = LossCompute(LabelSmoothing(len(task.vocab), task.vocab.pad))
    schedule = partial(warmup_cosine, max_lr=lr, min_lr=lr / 10, warmup=warmup, total=steps)

    def batches(start: int):
        index = start
        while True:
            yield task.batch(0, index, batch_size)
            index += 1

    state = train(
        model,
        batches,
        loss_fn,
        paper_adam(model.parameters()),
        schedule,
        LoopOptions(max_steps=steps),
    )
    return model, state


runs = {}
for name, steps, batch_size in (("copy", 120, 128), ("sort", 250, 64)):
    task = get_task(name)
    model, state = fit(task, steps, batch_size, lr=task.defaults.lr, warmup=task.defaults.warmup)
    assert isinstance(state, TrainState)
    held_out = task.held_out(300)
    runs[name] = (task, model, state)
    print(
        f"{name}: {state.optimizer_steps} steps, {state.tokens} target tokens, "
        f"final loss {state.history[-1]['loss']:.4f}, "
        f"exact match on 300 held-out inputs {100 * exact_match(model, task, held_out):.1f}%"
    )

# %%
# The curves
# ----------
# ``state.history`` has one record per optimizer step: the loss per token, the learning
# rate and the throughput.
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for name, (_, _, state) in runs.items():
    axes[0].plot([r["loss"] for r in state.history], label=name)
    axes[1].plot([r["lr"] for r in state.history], label=name)
axes[0].set_yscale("log")
axes[0].set_ylabel("loss per token")
axes[1].set_ylabel("learning rate")
for ax in axes:
    ax.set_xlabel("optimizer step")
    ax.legend()
fig.tight_layout()

# %%
# Answers, and a checkpoint round trip
# ------------------------------------
# :func:`annotated.predict` decodes text inputs; :func:`annotated.save_checkpoint` writes
# the weights (safetensors) and a JSON card, and :func:`annotated.load_checkpoint` and
# :func:`annotated.load_task_model` rebuild the model from them.
import tempfile

from annotated import load_checkpoint, load_task_model, predict, save_checkpoint

task, model, state = runs["sort"]
inputs = ["3 1 4 1 5", "9 2 6 5 3 5", "8 9 7"]
print(dict(zip(inputs, predict(model, task, inputs), strict=True)))

folder = tempfile.mkdtemp()
save_checkpoint(
    folder, model, vocab=list(task.vocab.tokens), task="sort", steps=state.optimizer_steps
)
loaded = load_checkpoint(folder)
pairs = zip(model.parameters(), loaded.model.parameters(), strict=True)
same = all(torch.equal(a, b) for a, b in pairs)
print("card:", loaded.card["architecture"], loaded.card["task"], "- weights equal:", same)
reloaded = load_task_model(folder)
print("reloaded answers:", predict(reloaded.model, reloaded.task, inputs))

# %%
# Conclusion
# ----------
# The same loop trains every model of the package; what changes is the batches and the
# loss function. ``annotated train copy`` runs this with the task's defaults, evaluates as
# it goes, stops at its target and writes the run directory.
