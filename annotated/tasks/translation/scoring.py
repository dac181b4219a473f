"""Corpus BLEU and chrF of translations, computed by sacrebleu with its signatures.

BLEU (Papineni et al., 2002) is the brevity penalty times the geometric mean of the modified
:math:`n`-gram precisions, :math:`n = 1, \\dots, 4`, pooled over the whole corpus:

.. math::

    \\mathrm{BLEU} = 100 \\cdot \\mathrm{BP} \\cdot
        \\exp\\Big(\\frac{1}{4} \\sum_{n=1}^{4} \\log p_n\\Big), \\qquad
    \\mathrm{BP} = \\min\\big(1,\\ e^{\\,1 - r / c}\\big), \\qquad
    p_n = \\frac{\\sum_{g} \\min\\big(\\#_{\\text{hyp}}(g),\\ \\#_{\\text{ref}}(g)\\big)}
               {\\sum_{g} \\#_{\\text{hyp}}(g)}

where :math:`g` ranges over the :math:`n`-grams of each hypothesis, a hypothesis
:math:`n`-gram counts at most as often as it occurs in its reference ("modified"
precision: "the the the" earns no more than the reference's one "the"), :math:`c` is the
hypotheses' total length and :math:`r` the references'. Precision alone would reward
short outputs; the brevity penalty is what makes BLEU punish them. A corpus without a single
matching 4-gram scores 0: BLEU is a corpus measure, not a sentence one.

chrF (Popović, 2015) is an F-score over character :math:`n`-grams (whitespace removed),
:math:`n = 1, \\dots, 6`, with recall weighted :math:`\\beta = 2` times as much as
precision:

.. math::

    \\mathrm{chrF}_\\beta = 100 \\cdot
        \\frac{(1 + \\beta^2)\\, \\mathrm{chrP}\\, \\mathrm{chrR}}
              {\\beta^2\\, \\mathrm{chrP} + \\mathrm{chrR}},

where :math:`\\mathrm{chrP}` and :math:`\\mathrm{chrR}` are the character :math:`n`-gram
precision and recall over the corpus, averaged over the orders :math:`n`. It credits a
morphologically close word ("colour" for "colours") that BLEU counts as wrong.

Both are sacrebleu's, whose signature (``nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|...``)
names every setting: two scores compare only when their signatures agree. BLEU uses the ``13a`` tokenizer (mteval's, built in, offline); sacrebleu's
test-set downloads are never used. The order of the arguments matters, since BLEU is not
symmetric: precisions are over the *hypothesis* n-grams and the brevity penalty over its
length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sacrebleu.metrics import BLEU, CHRF


@dataclass(frozen=True)
class Scores:
    """Corpus BLEU and chrF of a set of translations, on a 0-100 scale, with signatures."""

    bleu: float  # corpus BLEU, 13a tokenization, sacrebleu's default exp smoothing
    chrf: float  # corpus chrF, character 6-grams, beta = 2
    bleu_signature: str  # sacrebleu's signature of the BLEU settings
    chrf_signature: str  # sacrebleu's signature of the chrF settings


def corpus_scores(hypotheses: Sequence[str], references: Sequence[str]) -> Scores:
    """Corpus BLEU and chrF of ``hypotheses`` (the model's) against ``references`` (one each).

    Parameters
    ----------
    hypotheses : sequence of str
        The translations to score, one per sentence, detokenized text.
    references : sequence of str
        The human translations, in the same order.

    Examples
    --------
    >>> from annotated.tasks.translation.scoring import corpus_scores
    >>> scores = corpus_scores(["the cat sat on the mat"], ["the cat sat on a mat"])
    >>> round(scores.bleu, 2)  # 100 * (5/6 * 3/5 * 2/4 * 1/3) ** (1/4), BP = 1
    53.73
    >>> round(scores.chrf, 2), scores.bleu_signature
    (72.08, 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:...')
    >>> corpus_scores(["a", "b"], ["a"])
    Traceback (most recent call last):
    ...
    ValueError: 2 hypotheses for 1 references: give one reference per hypothesis, in order
    """
    for name, texts in (("hypotheses", hypotheses), ("references", references)):
        if isinstance(texts, str):
            raise ValueError(f"{name} must be a list of sentences, not one string")
        if not all(isinstance(t, str) for t in texts):
            raise ValueError(f"{name} must all be strings (an untranslated sentence is '')")
    if len(hypotheses) != len(references):
        raise ValueError(
            f"{len(hypotheses)} hypotheses for {len(references)} references: "
            "give one reference per hypothesis, in order"
        )
    if not hypotheses:
        raise ValueError("no sentences to score: give at least one hypothesis and reference")
    bleu, chrf = BLEU(tokenize="13a"), CHRF()
    # sacrebleu's order: the hypotheses, then a list of reference streams (here one)
    bleu_score = bleu.corpus_score(list(hypotheses), [list(references)])
    chrf_score = chrf.corpus_score(list(hypotheses), [list(references)])
    return Scores(
        bleu=float(bleu_score.score),
        chrf=float(chrf_score.score),
        bleu_signature=str(bleu.get_signature()),
        chrf_signature=str(chrf.get_signature()),
    )
