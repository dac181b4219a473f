"""Tests of the corpora: extraction on fixture trees, cleaning, splits, the build, the CLI."""
