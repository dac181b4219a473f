"""German-to-English translation: the original's real-world example."""
