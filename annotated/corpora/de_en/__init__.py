"""German-English sentence pairs from Debian's archive, as the original's real example needs.

The Annotated Transformer's "A Real World Example" translates German into English. Two
human-translated sources install from Debian without the internet: the Ding dictionary
(``trans-de-en``, whose entries carry example sentences, :mod:`.ding`) and LibreOffice's
help pages (``libreoffice-help-de`` and ``libreoffice-help-en-us``, aligned paragraph by
paragraph, :mod:`.libreoffice_help`). :mod:`.debian` fetches and unpacks the packages,
:mod:`.cleaning` normalises and filters the pairs, :mod:`.splits` assigns each to train,
validation or test by a hash of its German sentence, :mod:`.build` runs the pipeline and
:mod:`.store` reads the result back (:func:`~.store.load_pairs`).
"""
