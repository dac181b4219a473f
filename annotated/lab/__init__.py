"""The Intuition Lab: flip a design choice, train a small model live, compare the runs.

The library side of the demos app's *Lab* tab, usable without Gradio: a checked
:class:`LabConfig`, a :class:`LabRun` that trains in a background thread and records its
curves and per-layer statistics, a :class:`LabSession` that keeps one person's runs, and the
tools to look inside a run (attention maps, samples, the positions probe, the source of its
building blocks) and to export it. One module per concept:

* ``config`` -- :class:`LabConfig` and its explained checks;
* ``data`` -- task batches or Shakespeare windows (characters or BPE); ``curves`` -- losses;
* ``stats`` -- per-layer activation and gradient norms and score spreads, through hooks;
* ``run`` -- :class:`LabRun`; ``session`` -- :class:`LabSession`;
* ``attention_maps`` (of a run's model), ``outputs`` (samples, decoding), ``probe`` (positions), ``source``;
* ``export`` -- config, curves and weights out, a config back in; ``plots`` -- the figures.
"""

from annotated.lab.attention_maps import run_attention
from annotated.lab.config import LabConfig, LabConfigError
from annotated.lab.curves import Curves
from annotated.lab.export import export_run, load_config
from annotated.lab.outputs import Decoded, decode_task, respond, sample_text
from annotated.lab.priority import READERS, Gate
from annotated.lab.probe import PositionProbe, probe_positions
from annotated.lab.run import LabRun
from annotated.lab.session import LabSession
from annotated.lab.source import chosen_blocks, source_of
from annotated.lab.stats import LayerStats, StatsRecorder

__all__ = [
    "READERS",
    "Curves",
    "Decoded",
    "Gate",
    "LabConfig",
    "LabConfigError",
    "LabRun",
    "LabSession",
    "LayerStats",
    "PositionProbe",
    "StatsRecorder",
    "chosen_blocks",
    "decode_task",
    "export_run",
    "load_config",
    "probe_positions",
    "respond",
    "run_attention",
    "sample_text",
    "source_of",
]
