"""Tasks the models learn: copy, sorting, addition, and character-level Shakespeare."""
