"""Training machinery: batches, label smoothing, schedules, the loop, checkpoints."""
