"""The Lab tab: build a small model, train it live on the CPU, look inside, compare runs.

The layout and the wiring; the functions behind the events are in
:mod:`annotated.demo.lab_events`, the work in :mod:`annotated.lab`. API endpoints:
``/lab_train`` (every config field by name, ``tokenizer`` and ``bpe_vocab`` too, all
defaulted; streams), ``/lab_stop``, ``/lab_compare``, ``/lab_export``, ``/lab_load``,
``/lab_check``, ``/lab_sample``, ``/lab_attention``, ``/lab_probe``, ``/lab_code``.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from annotated import lab
from annotated.config import CHOICES
from annotated.demo.lab_events import (
    DEFAULT,
    FIELDS,
    INTRO,
    attention,
    check,
    code,
    compare,
    export,
    load,
    probe,
    sample,
    stop,
    train,
    verdict_of,
)
from annotated.lab.config import (
    LANGUAGE_TASK,
    LIMITS,
    OPTIMIZERS,
    SCHEDULES,
    TASK_CHOICES,
    TOKENIZERS,
)
from annotated.lab.session import TABLE_COLUMNS


def _controls() -> dict[str, Any]:
    """The config controls, keyed by :class:`~annotated.lab.LabConfig` field."""
    d, lim = DEFAULT, LIMITS
    c: dict[str, Any] = {}
    with gr.Group():
        c["task"] = gr.Radio(
            list(TASK_CHOICES),
            value=d.task,
            label="task (copy/sort/add: encoder-decoder; shakespeare: GPT)",
            elem_id="lab-task",
        )
        with gr.Row():
            c["N"] = gr.Slider(*lim["N"], value=d.N, step=1, label="depth N", elem_id="lab-depth")
            c["d_model"] = gr.Slider(
                *lim["d_model"], value=d.d_model, step=8, label="width d_model", elem_id="lab-width"
            )
            c["h"] = gr.Slider(*lim["h"], value=d.h, step=1, label="heads h", elem_id="lab-heads")
        for name in ("norm", "layout", "activation", "positions"):
            c[name] = gr.Radio(
                list(CHOICES[name]), value=getattr(d, name), label=name, elem_id=f"lab-{name}"
            )
        c["share_embeddings"] = gr.Checkbox(
            value=d.share_embeddings, label="tie the embedding and output weights"
        )
        # the ladder's training tricks, each off by default: the tasks refuse them with the
        # reason (LabConfig.problems), so they stay in sight when the task changes
        with gr.Row():
            c["qk_norm"] = gr.Checkbox(
                value=d.qk_norm,
                label="QK-norm (Shakespeare)",
                info="unit-RMS query and key per head: scores at most sqrt(d_k)",
                elem_id="lab-qk-norm",
            )
            c["zero_init"] = gr.Checkbox(
                value=d.zero_init,
                label="zero-init W^O and W_2 (Shakespeare)",
                info="every block starts as the identity",
                elem_id="lab-zero-init",
            )
            c["logit_softcap"] = gr.Number(
                d.logit_softcap,
                label="logit soft-cap c (Shakespeare)",
                info="logits c tanh(z / c); 0: off, modded-nanogpt: 15 or 30",
                elem_id="lab-softcap",
            )
        with gr.Row():
            c["optimizer"] = gr.Radio(
                list(OPTIMIZERS),
                value=d.optimizer,
                label="optimizer",
                info="muon (Shakespeare): Muon for the blocks' matrices, AdamW for the rest",
                elem_id="lab-optimizer",
            )
            c["muon_lr"] = gr.Number(
                d.muon_lr,
                label="Muon's peak learning rate",
                info="follows the schedule, scaled like the peak rate",
                elem_id="lab-muon-lr",
            )
    with gr.Group():
        with gr.Row():
            c["max_steps"] = gr.Slider(
                *lim["max_steps"],
                value=d.max_steps,
                step=1,
                label="steps max_steps",
                elem_id="lab-steps",
            )
            c["batch_size"] = gr.Slider(
                *lim["batch_size"], value=d.batch_size, step=1, label="batch", elem_id="lab-batch"
            )
            c["max_len"] = gr.Slider(
                *lim["max_len"], value=d.max_len, step=8, label="context max_len (Shakespeare)"
            )
        with gr.Row(visible=d.task == LANGUAGE_TASK) as tokens:  # the tasks read their symbols
            c["tokenizer"] = gr.Radio(
                list(TOKENIZERS),
                value=d.tokenizer,
                label="tokens: characters, or a byte-level BPE of the training text",
                elem_id="lab-tokenizer",
            )
            c["bpe_vocab"] = gr.Slider(
                *lim["bpe_vocab"],
                value=d.bpe_vocab,
                step=1,
                label="BPE vocabulary bpe_vocab (first use: about 5 s to train and encode)",
                elem_id="lab-bpe-vocab",
            )
        with gr.Row():
            # no minimum/maximum on the number boxes: Gradio would refuse a value out of range
            # before check() runs, with its own message and the Train button left enabled;
            # LabConfig.problems() checks the LIMITS and says which field is wrong
            c["lr"] = gr.Number(d.lr, label="peak learning rate", elem_id="lab-lr")
            c["schedule"] = gr.Radio(list(SCHEDULES), value=d.schedule, label="schedule")
            c["warmup"] = gr.Number(
                d.warmup, label="warmup steps", precision=0, elem_id="lab-warmup"
            )
            c["seed"] = gr.Number(d.seed, label="seed", precision=0, elem_id="lab-seed")
    c["task"].change(_tokens_row, c["task"], tokens, api_name=False)
    return c


def _tokens_row(task: str) -> Any:
    """The tokenizer controls, shown for Shakespeare only (the tasks ignore them)."""
    return gr.Row(visible=task == LANGUAGE_TASK)


def build(models: object = None) -> None:
    """Lay out the Lab tab inside the current ``gr.Tab`` and wire its events.

    ``models`` (the other tabs' trained models) is not used: the Lab trains its own.
    """
    session = gr.State(lab.LabSession, delete_callback=lab.LabSession.close)
    gr.Markdown(INTRO)
    with gr.Row():
        with gr.Column(scale=2):
            c = _controls()
            verdict = gr.Markdown(verdict_of(DEFAULT), elem_id="lab-verdict")
            with gr.Row():
                go = gr.Button("Train", variant="primary", elem_id="lab-train")
                halt = gr.Button("Stop", variant="stop", elem_id="lab-stop")
        with gr.Column(scale=3):
            summary = gr.JSON(label="run", elem_id="lab-summary")
            curve = gr.Plot(label="loss", show_label=False, format="png", elem_id="lab-curve")
            stats = gr.Plot(
                label="per-layer statistics", show_label=False, format="png", elem_id="lab-stats"
            )
    run_pick = gr.Dropdown(
        [], label="run to inspect or export", allow_custom_value=True, elem_id="lab-run"
    )
    with gr.Tabs():
        with gr.Tab("Compare runs", id="lab-compare-tab"):
            chosen = gr.CheckboxGroup(
                [],
                label="runs to compare (every run of this session is kept, the last six)",
                elem_id="lab-chosen",
            )
            compare_go = gr.Button("Compare", elem_id="lab-compare")
            compare_plot = gr.Image(
                label="comparison", type="filepath", interactive=False, elem_id="lab-compare-plot"
            )
            table = gr.Dataframe(
                pd.DataFrame(columns=TABLE_COLUMNS), label="configs", elem_id="lab-table", wrap=True
            )
        with gr.Tab("Look inside", id="lab-look-tab"):
            text = gr.Textbox(
                label="prompt (Shakespeare) or task input (copy/sort/add); empty: an example",
                lines=2,
            )
            with gr.Row():
                length = gr.Slider(
                    1, 1000, value=200, step=1, label="tokens to sample (characters, for char)"
                )
                temperature = gr.Slider(0, 2, value=0.8, step=0.05, label="temperature")
                sample_seed = gr.Number(0, label="sampling seed", precision=0, minimum=0)
            sample_go = gr.Button("Sample / decode")
            said = gr.Textbox(
                label="the model says", lines=6, interactive=False, elem_id="lab-said"
            )
            with gr.Row():
                layer = gr.Number(1, label="layer", precision=0, minimum=1, maximum=12)
                head = gr.Number(1, label="head", precision=0, minimum=1, maximum=16)
                attention_go = gr.Button("Attention maps")
            attention_plot = gr.Image(
                label="attention", type="filepath", interactive=False, elem_id="lab-attention"
            )
        with gr.Tab("Positions probe", id="lab-probe-tab"):
            gr.Markdown(
                "How the attention score between two positions changes with their distance -- for the scheme alone and for this model's first layer -- out to four times the training length (shaded)."
            )
            probe_length = gr.Number(
                0,
                label="probe length (0: four times the training length)",
                precision=0,
                minimum=0,
                maximum=1024,
            )
            probe_go = gr.Button("Probe")
            probe_plot = gr.Image(
                label="positions probe", type="filepath", interactive=False, elem_id="lab-probe"
            )
        with gr.Tab("See the code", id="lab-code-tab"):
            block = gr.Dropdown(
                list(lab.chosen_blocks(DEFAULT)),
                value="GPT",
                label="building block of the config above",
                allow_custom_value=True,  # the API may ask for any block; code() checks it
            )
            source = gr.Code(
                lab.source_of(DEFAULT, "GPT"),
                language="python",
                label="source, from the installed package",
                elem_id="lab-source",
            )
        with gr.Tab("Export / load", id="lab-export-tab"):
            export_go = gr.Button(
                "Export the run: config (JSON), curves (CSV), weights (safetensors)"
            )
            exported = gr.File(
                label="exported files",
                file_count="multiple",
                interactive=False,
                elem_id="lab-exported",
            )
            config_file = gr.File(
                label="load a .config.json into the controls", file_types=[".json"], type="filepath"
            )
    controls = [c[f] for f in FIELDS]
    go.click(
        train,
        [session, *controls],
        [session, summary, curve, stats, run_pick, chosen],
        api_name="lab_train",
        concurrency_limit=2,
        concurrency_id="lab_train",
        # Gradio's default ("once") drops a click while this event is pending, which it is
        # until the generator returns, a moment after "finished" shows: every press must
        # count, and one while a run trains is refused with the reason (LabSession.train)
        trigger_mode="multiple",
    )
    halt.click(stop, [session], [summary], api_name="lab_stop")
    gr.on([x.change for x in controls], check, controls, [verdict, block, go], api_name="lab_check")
    block.change(code, [block, *controls], source, api_name="lab_code")
    compare_go.click(compare, [session, chosen], [compare_plot, table], api_name="lab_compare")
    export_go.click(export, [session, run_pick], exported, api_name="lab_export")
    config_file.upload(load, config_file, controls, api_name="lab_load")
    sample_go.click(
        sample,
        [session, run_pick, text, length, temperature, sample_seed],
        said,
        api_name="lab_sample",
    )
    attention_go.click(
        attention, [session, run_pick, text, layer, head], attention_plot, api_name="lab_attention"
    )
    probe_go.click(probe, [session, run_pick, probe_length], probe_plot, api_name="lab_probe")
