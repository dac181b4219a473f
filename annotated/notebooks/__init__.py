"""The notebook that ships with the package: the walk-through, cell by cell, in marimo.

``annotated_transformer.py`` beside this file is a `marimo <https://marimo.io>`_ notebook
(a plain Python file) that follows the original Annotated Transformer's order and imports
everything it runs from :mod:`annotated`. It ships inside the package so that
``annotated notebook`` finds it in any installation; :mod:`annotated.notebooks.launch` builds
the offline ``marimo`` command that opens it. marimo itself is the optional extra
``annotated[notebook]``.
"""

from annotated.notebooks.launch import NOTEBOOK, marimo_command, offline_environment

__all__ = ["NOTEBOOK", "marimo_command", "offline_environment"]
