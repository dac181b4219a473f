"""
==================================
Translating German: learning curve
==================================

The shipped ``translate-de-en`` model's card keeps what training measured: at every
evaluation, the corpus BLEU of greedy translations of a validation sample spread over both
sources, and after training the test split's BLEU with greedy decoding and with the paper's
beam search (beam 4, :math:`\\alpha = 0.6`). Corpus BLEU is the geometric mean of the
modified :math:`n`-gram precisions :math:`p_n` times a brevity penalty:

.. math::

    \\mathrm{BLEU} = \\min\\left(1, e^{1 - r/c}\\right) \\exp\\left(\\frac{1}{4}
    \\sum_{n=1}^{4} \\log p_n\\right),

with :math:`c` the hypotheses' length and :math:`r` the references'. Beside it, each
evaluation records the teacher-forced validation loss, the mean of
:math:`-\\log p(y_t \\mid y_{<t}, x)` over the reference subwords in nats
(:func:`annotated.tasks.translation.evaluation.cross_entropy`): it falls smoothly where BLEU
jumps. Late in a run it can rise while BLEU still improves: the model grows over-confident
on the subwords it gets wrong before its first-choice translations get worse, as in the
shipped model's last evaluation. This example draws both curves
from the card of :func:`annotated.pretrained.load`, the model :func:`annotated.translate` serves.
"""

# %%
# The card's evaluations
# ----------------------
# One row per evaluation: the step, the validation BLEU and chrF, and the loss.
import matplotlib.pyplot as plt

from annotated import translate
from annotated.pretrained import load

de_en = load("translate-de-en")
card = de_en.card
evals = card["evals"]
for e in evals:
    print(
        f"step {e['step']:5d}: BLEU {e['val_bleu']:5.2f}, chrF {e['val_chrf']:5.2f}, "
        f"loss {e['val_loss']:.3f} nats/token"
    )
print(card["command"])

# %%
# The curve, and where the test scores end
# ----------------------------------------
# The test split is scored once, after training; its beam and greedy BLEU are drawn as
# marks at the last step. The two sources differ: the LibreOffice help sentences are
# regular, Ding's dictionary examples are short and idiomatic, and score far lower. The
# validation loss shares the step axis, on its own scale at the right.
m = card["metrics"]
steps = [e["step"] for e in evals]
fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(steps, [e["val_bleu"] for e in evals], "o-", label="validation (greedy)")
loss_ax = ax.twinx()
loss_ax.plot(steps, [e["val_loss"] for e in evals], "--", color="grey", label="validation loss")
loss_ax.set_ylabel("loss (nats per subword)")
last = evals[-1]["step"]
for search, marker in (("beam", "*"), ("greedy", "s")):
    ax.scatter(
        [last], [m[f"test_bleu_{search}"]], marker=marker, s=90, zorder=3, label=f"test, {search}"
    )
    for source in ("libreoffice-help", "ding"):
        print(f"test BLEU {search}, {source}: {m[f'test_bleu_{search}_{source}']:.2f}")
ax.set_xlabel("optimizer step")
ax.set_ylabel("BLEU")
ax.set_title("translate-de-en: BLEU and loss during training")
handles, labels = ax.get_legend_handles_labels()
loss_handles, loss_labels = loss_ax.get_legend_handles_labels()
ax.legend(handles + loss_handles, labels + loss_labels, loc="center right")
fig.tight_layout()

# %%
# The model behind the curve
# --------------------------
# The same weights translate: one sentence of the help pages' kind, by beam search.
print(translate(de_en.model, de_en.tokenizer, ["Wählen Sie eine Linienfarbe aus."], beam=4))
