"""Training machinery: batches, label smoothing, schedules, the loop, checkpoints."""

from annotated.training.averaging import Snapshots, average_weights
from annotated.training.batch import Batch
from annotated.training.checkpoint import (
    ARCHITECTURES,
    Architecture,
    Checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from annotated.training.device import pick_device
from annotated.training.files import CheckpointError, atomic_write, read_safetensors
from annotated.training.label_smoothing import LabelSmoothing
from annotated.training.loop import LoopOptions, NonFiniteLossError, TrainState, train
from annotated.training.loss import LossCompute
from annotated.training.muon import Muon, make_optimizer, newton_schulz
from annotated.training.optimizer import paper_adam
from annotated.training.plots import plot_run
from annotated.training.progress import ProgressBar
from annotated.training.resume import load_train_state, save_train_state
from annotated.training.schedules import rate, warmup_cosine

__all__ = [
    "ARCHITECTURES",
    "Architecture",
    "Batch",
    "Checkpoint",
    "CheckpointError",
    "LabelSmoothing",
    "LoopOptions",
    "LossCompute",
    "Muon",
    "NonFiniteLossError",
    "ProgressBar",
    "Snapshots",
    "TrainState",
    "atomic_write",
    "average_weights",
    "load_checkpoint",
    "load_train_state",
    "make_optimizer",
    "newton_schulz",
    "paper_adam",
    "pick_device",
    "plot_run",
    "rate",
    "read_safetensors",
    "save_checkpoint",
    "save_train_state",
    "train",
    "warmup_cosine",
]
