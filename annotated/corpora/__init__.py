"""Where real text comes from: corpora that build offline, from files a machine already has.

The toy tasks of :mod:`annotated.tasks` make their data up; a real task needs human text.
Each corpus here is built from a source that installs without the internet (Debian
packages, or a local file), cleaned and split by fixed rules, and written with a manifest
of what went in, so that the same input gives the same bytes on every machine. Built
corpora live in the user's cache directory, never in the repository.
"""
