"""Language models: a decoder-only GPT trained on a text corpus (Shakespeare's plays).

Each module plays one role, the same role as its namesake in :mod:`annotated.tasks.seq2seq`:
``corpus`` (the text and its split), ``data`` (where batches come from), ``options`` (what
determines a run), ``run`` (train one into a run directory), ``evaluation`` (the loss
estimate and a sample), ``loading`` (a trained model back from its checkpoint).
"""

from annotated.tasks.language_model.loading import LanguageModel, load_language_model

__all__ = ["LanguageModel", "load_language_model"]
