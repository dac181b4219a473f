"""Language models: a decoder-only GPT trained on a text corpus (Shakespeare's plays).

Each module plays one role, the same role as its namesake in :mod:`annotated.tasks.seq2seq`:
``corpus`` (the text and its split), ``data`` (where batches come from), ``options`` (what
determines a run), ``tokenizer`` (characters or subwords, and the file beside the
checkpoint), ``run`` (train one into a run directory), ``evaluation`` (the loss estimate, a
sample, bits per character), ``loading`` (a trained model back from its checkpoint).
"""

from annotated.tasks.language_model.corpus import load_corpus, split_corpus
from annotated.tasks.language_model.loading import LanguageModel, load_language_model

__all__ = ["LanguageModel", "load_corpus", "load_language_model", "split_corpus"]
