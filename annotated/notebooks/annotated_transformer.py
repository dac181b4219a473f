"""The Annotated Transformer as a marimo notebook.

The walk-through of "Attention Is All You Need" in the original Annotated Transformer's order:
architecture, attention, masks, positions, the full model, training, the copy task, decoding,
and a real example. Every line of model code it runs is imported from ``annotated`` (the
top-level names and ``annotated.pretrained.load``), so the notebook and the API cannot drift.

Open it with ``annotated notebook`` (``marimo edit`` on 127.0.0.1; ``--run`` serves it as a
read-only app) or ``make notebook``. It also runs top to bottom as a plain script:
``python annotated/notebooks/annotated_transformer.py``.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="The Annotated Transformer")

with app.setup:
    import time
    from functools import partial

    import marimo as mo
    import torch
    from matplotlib.figure import Figure

    from annotated import (
        ALiBi,
        LabelSmoothing,
        LearnedPositionalEncoding,
        LoopOptions,
        LossCompute,
        PositionalEncoding,
        RotaryEmbedding,
        attention,
        beam_search,
        exact_match,
        generate,
        get_task,
        greedy_decode,
        make_model,
        padding_mask,
        paper_adam,
        predict,
        rate,
        record_attention,
        subsequent_mask,
        target_mask,
        trace_shapes,
        train,
        warmup_cosine,
    )
    from annotated.pretrained import load

    # one torch thread: the notebook shares the machine with its server and the browser
    torch.set_num_threads(1)


@app.cell
def _():
    mo.md(r"""
    # The Annotated Transformer

    This notebook walks through section 3 of *Attention Is All You Need* (Vaswani et al.,
    2017) in the order of the original Annotated Transformer (Rush et al., 2018), and lets you
    turn the knobs: the controls redraw the shapes table, the masks, the positions, the
    attention of the trained models that ship with `annotated`, and the text they write.

    Nothing here is a copy of the model: every cell imports `annotated`'s own functions
    (`make_model`, `attention`, `subsequent_mask`, `train`, `generate`, ...), the same ones
    the tests check and the command line runs. The docs' walk-through page has the equations
    beside the source code of each piece.
    """)
    return


@app.cell
def _():
    def heatmaps(weights, queries, keys, titles, *, title=""):
        """One panel per matrix of ``weights`` ``(panels, seq_q, seq_k)``: rows query, columns key."""
        n = weights.size(0)
        fig = Figure(figsize=(min(3.0 * n + 1.0, 11.0), 3.4), layout="constrained")
        axes = fig.subplots(1, n, squeeze=False)[0]
        small = 6 if max(len(queries), len(keys)) > 24 else 8
        for ax, w, name in zip(axes, weights, titles, strict=True):
            ax.imshow(
                w.numpy(), cmap="viridis", vmin=0.0, vmax=float(weights.max())
            )  # (seq_q, seq_k)
            ax.set_title(name, fontsize=9)
            ax.set_xticks(range(len(keys)), keys, fontsize=small)
            ax.set_yticks(range(len(queries)), queries, fontsize=small)
            ax.set_xlabel("key", fontsize=8)
        axes[0].set_ylabel("query", fontsize=8)
        if title:
            fig.suptitle(title, fontsize=10)
        return fig

    def shown(symbols):
        """Tick labels that show a space and a newline."""
        return [{" ": "␣", "\n": "⏎"}.get(s, s) for s in symbols]

    return heatmaps, shown


@app.cell
def _():
    mo.md(r"""
    ## 1. Model architecture

    The Transformer is an encoder-decoder. The encoder maps the source tokens
    $(x_1, \dots, x_n)$ to vectors $z = (z_1, \dots, z_n)$, the *memory*; the decoder
    produces the target one token at a time, reading the memory and what it has written so
    far. Each of the $N$ layers keeps the width $d_{model}$; attention splits it into $h$
    heads of $d_k = d_{model} / h$ features. Move the controls: `trace_shapes` reruns one
    forward pass of `make_model(...)` on a batch of 2 sentences of 10 source and 9 target
    tokens and records what went into and came out of each part.
    """)
    return


@app.cell
def _():
    d_model = mo.ui.slider(
        steps=[32, 64, 128, 256, 512], value=512, label="width $d_{model}$", show_value=True
    )
    heads = mo.ui.dropdown(options={"1": 1, "2": 2, "4": 4, "8": 8}, value="8", label="heads $h$")
    layers = mo.ui.slider(1, 6, value=2, label="layers $N$", show_value=True)
    mo.hstack([d_model, heads, layers], justify="start", gap=2)
    return d_model, heads, layers


@app.cell
def _(d_model, heads, layers, position_scheme):
    torch.manual_seed(0)
    model = make_model(
        11,
        11,
        N=layers.value,
        d_model=d_model.value,
        d_ff=4 * d_model.value,
        h=heads.value,
        positions=position_scheme.value,
    ).eval()
    src = torch.randint(1, 11, (2, 10))  # (batch, src_len)
    tgt = torch.randint(1, 11, (2, 9))  # (batch, tgt_len)
    trace = trace_shapes(model, src, tgt, padding_mask(src), target_mask(tgt))
    log_probs = model.generator(model(src, tgt, padding_mask(src), target_mask(tgt)))
    return log_probs, model, trace


@app.cell
def _(log_probs, trace):
    def shape_rows(names):
        """A markdown table of the recorded calls of the modules named ``names``."""
        lines = ["| module | class | inputs | output |", "|---|---|---|---|"]
        for r in trace:
            if r.name in names:
                inputs = ", ".join(map(str, r.inputs))
                lines.append(f"| `{r.name or '(model)'}` | {r.module} | {inputs} | {r.output[0]} |")
        return "\n".join(lines)

    mo.md(
        shape_rows({"src_embed", "encoder", "tgt_embed", "decoder", ""})
        + f"\n\nand the `Generator` turns the decoder's output into log-probabilities over the "
        f"vocabulary: `{tuple(log_probs.shape)}` = (batch, tgt_len, tgt_vocab)."
    )
    return (shape_rows,)


@app.cell
def _():
    mo.md(r"""
    ## 2. Attention

    An attention function maps a query and a set of key-value pairs to a weighted sum of the
    values; the weight of each value is the softmax of the query's scaled dot product with
    its key:

    $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}}\right) V$$

    Multi-head attention runs $h$ of them side by side on projections of width $d_k$,
    $\mathrm{head}_i = \mathrm{Attention}(Q W^Q_i, K W^K_i, V W^V_i)$, and concatenates the
    heads. `record_attention(model)` keeps each `MultiHeadedAttention`'s weights
    `(batch, h, seq_q, seq_k)` for one pass. Here they are for the three trained models that
    ship with the package: pick a model, type an input, and choose which of the model's
    three attentions to look at.
    """)
    return


@app.cell
def _():
    shipped = {name: load(name) for name in ("copy", "sort", "add")}
    task_name = mo.ui.dropdown(options=list(shipped), value="sort", label="shipped model")
    which = mo.ui.dropdown(
        options={
            "encoder-decoder attention": "decoder.layers.0.src_attn",
            "encoder self-attention": "encoder.layers.0.self_attn",
            "decoder self-attention": "decoder.layers.0.self_attn",
        },
        value="encoder-decoder attention",
        label="attention",
    )
    examples = {"copy": "3 1 4 1 5 9 2 6", "sort": "3 1 4 1 5 9 2 6", "add": "123+4567"}
    return examples, shipped, task_name, which


@app.cell
def _(examples, task_name):
    source_text = mo.ui.text(value=examples[task_name.value], label="input")
    return (source_text,)


@app.cell
def _(heatmaps, shipped, source_text, task_name, which):
    def answer_attention(name, text, module):
        """The model's answer to ``text`` and the weights of ``module`` while it wrote it."""
        pretrained = shipped[name]
        task, net, vocab = pretrained.task, pretrained.model, pretrained.task.vocab
        src_ = task.source_tensor([task.parse(text)])  # (1, src_len), ends with </s>
        ys = greedy_decode(
            net, src_, padding_mask(src_, vocab.pad), task.max_tgt_len + 2, vocab.start, vocab.end
        )  # (1, len): <s>, the answer, </s>
        written = [i for i in ys[0].tolist() if i != vocab.pad]
        decoder_in = torch.tensor([written[:-1]])  # (1, tgt_len): <s> and the answer
        with record_attention(net), torch.no_grad():
            net(src_, decoder_in, padding_mask(src_, vocab.pad), target_mask(decoder_in, vocab.pad))
        weights = net.get_submodule(module).attn[0]  # (h, seq_q, seq_k)
        source_symbols = [vocab.tokens[i] for i in src_[0].tolist()]
        outputs = [vocab.tokens[i] for i in written[1:]]  # what each decoder position wrote
        inputs = [vocab.tokens[i] for i in written[:-1]]  # what each decoder position read
        answer = task.render(vocab.decode(written))
        if module.startswith("encoder"):
            return answer, weights, source_symbols, source_symbols
        if module.endswith("src_attn"):
            return answer, weights, outputs, source_symbols
        return answer, weights, outputs, inputs

    try:
        answer, weights, queries, keys = answer_attention(
            task_name.value, source_text.value, which.value
        )
    except ValueError as _error:
        attention_view = mo.callout(mo.md(f"**{_error}**"), kind="warn")
    else:
        picture = heatmaps(
            weights,
            queries,
            keys,
            [f"head {i}" for i in range(weights.size(0))],
            title=f"{task_name.value}: {source_text.value!r} -> {answer!r} ({which.selected_key})",
        )
        attention_view = mo.Html(f'<div id="attention-heatmap">{mo.as_html(picture).text}</div>')
    mo.vstack([mo.hstack([task_name, source_text, which], justify="start"), attention_view])
    return


@app.cell
def _():
    mo.md(r"""
    In the encoder-decoder attention of the copy model each output looks at the same
    position of the source; the sort model looks for the next smallest digit wherever it is;
    the adder reads the two digits of the column it is writing, right to left.
    """)
    return


@app.cell
def _():
    mo.md(r"""
    ## 3. Masks

    A mask says which keys each query may look at; in `annotated` every mask is a bool tensor
    with **True = may attend**, and attention gives the other keys exactly zero weight. The
    decoder must not read the future (`subsequent_mask`), no position may read padding
    (`padding_mask`), and the decoder's self-attention needs both (`target_mask`). The batch
    below holds two sentences, the second padded with three 0s; the right panel is the
    attention of random queries and keys under the chosen mask, for the second sentence.
    """)
    return


@app.cell
def _():
    mask_type = mo.ui.dropdown(
        options=["subsequent_mask", "padding_mask", "target_mask", "no mask"],
        value="target_mask",
        label="mask",
    )
    mask_type
    return (mask_type,)


@app.cell
def _(heatmaps, mask_type):
    padded = torch.tensor([[5, 3, 8, 2, 7, 4], [6, 9, 2, 0, 0, 0]])  # (batch, seq), 0 = pad
    masks = {
        "subsequent_mask": subsequent_mask(6),  # (1, seq, seq)
        "padding_mask": padding_mask(padded),  # (batch, 1, seq)
        "target_mask": target_mask(padded),  # (batch, seq, seq)
        "no mask": None,
    }
    chosen = masks[mask_type.value]
    torch.manual_seed(0)
    x = torch.randn(2, 6, 8)  # (batch, seq, d_k): queries = keys = values
    _, p_attn = attention(x, x, x, mask=chosen)  # (batch, seq, seq)
    shown_mask = torch.ones(6, 6) if chosen is None else chosen.expand(2, 6, 6)[1].float()
    ticks = [str(t) for t in padded[1].tolist()]
    heatmaps(
        torch.stack([shown_mask, p_attn[1]]),
        ticks,
        ticks,
        [f"{mask_type.value} (sentence 2)", "attention weights under it"],
        title="rows are queries, columns keys; masked weights are exactly 0",
    )
    return


@app.cell
def _():
    mo.md(r"""
    ## 4. Positions

    Attention treats its input as a set: nothing in $QK^\top$ says where a token is. The paper
    adds a fixed sinusoid to each embedding,
    $PE_{(pos, 2i)} = \sin(pos / 10000^{2i/d_{model}})$,
    $PE_{(pos, 2i+1)} = \cos(pos / 10000^{2i/d_{model}})$, and found learned vectors about as
    good. Later models act inside attention instead: RoPE rotates queries and keys by their
    position, ALiBi adds a penalty growing with the distance. The right panel gives each
    scheme one content vector at every position and shows the attention score between
    position $m$ and position $n$ that results: only the position contributes to it. The
    scheme also goes into the shapes of the full model below.
    """)
    return


@app.cell
def _():
    position_scheme = mo.ui.dropdown(
        options=["sinusoidal", "learned", "rope", "alibi", "none"],
        value="sinusoidal",
        label="position scheme",
    )
    position_scheme
    return (position_scheme,)


@app.cell
def _(d_model, heads, position_scheme):
    def position_scores(scheme, width, h, length=32):
        """What ``scheme`` adds, ``(length, ?)``, and the scores it gives one vector, ``(length, length)``."""
        torch.manual_seed(0)
        d_k = width // h
        content = torch.randn(1, 1, 1, d_k).expand(1, 1, length, d_k)  # (1, 1, seq, d_k)
        pos = torch.arange(length)
        if scheme in ("sinusoidal", "learned"):
            table = (
                PositionalEncoding(width, dropout=0.0)
                if scheme == "sinusoidal"
                else LearnedPositionalEncoding(width, dropout=0.0, max_len=length)
            )(torch.zeros(1, length, width))[0]  # (seq, d_model)
            e = torch.randn(width) / width**0.5 + table  # the same token at every position
            return table, e @ e.T / width**0.5
        if scheme == "rope":
            rope = RotaryEmbedding(d_k)
            q = rope.rotate(content, pos)[0, 0]  # (seq, d_k)
            return q, q @ q.T / d_k**0.5
        q = content[0, 0]  # (seq, d_k)
        scores = q @ q.T / d_k**0.5
        if scheme == "alibi":
            bias = ALiBi(h).bias(pos, pos)[0]  # head 0: (seq, seq)
            return bias, scores + bias
        return q, scores

    def position_picture(scheme, width, h):
        """Left: what the scheme adds or rotates; right: the scores it gives one vector."""
        left, scores = position_scores(scheme, width, h)
        fig = Figure(figsize=(10, 3.4), layout="constrained")
        ax_left, ax_right = fig.subplots(1, 2)
        names = {
            "sinusoidal": "the sinusoids PE added to the embedding (fixed)",
            "learned": "learned table, at initialisation",
            "rope": "query after RoPE's rotation",
            "alibi": "ALiBi's bias, head 0",
            "none": "no positions: the same vector everywhere",
        }
        left = left.detach().numpy()
        image = ax_left.imshow(left.T if scheme != "alibi" else left, aspect="auto", cmap="RdBu")
        fig.colorbar(image, ax=ax_left)
        ax_left.set_title(names[scheme], fontsize=9)
        if scheme == "alibi":
            ax_left.set_xlabel("key position n")
            ax_left.set_ylabel("query position m")
        else:
            ax_left.set_xlabel("position")
            ax_left.set_ylabel("feature")
        image = ax_right.imshow(scores.detach().numpy(), cmap="viridis")
        fig.colorbar(image, ax=ax_right)
        ax_right.set_title("score of the same vector at positions m and n", fontsize=9)
        ax_right.set_xlabel("key position n")
        ax_right.set_ylabel("query position m")
        return fig

    position_picture(position_scheme.value, d_model.value, heads.value)
    return


@app.cell
def _():
    mo.md(r"""
    With RoPE the score depends only on $m - n$ (the bands are diagonals); ALiBi fades
    with distance; sinusoids give a fixed, mostly distance-like pattern; an untrained
    learned table has no structure until training gives it one; with no positions every
    score is the same, and the model could not tell `3 1 4` from `4 1 3`.
    """)
    return


@app.cell
def _():
    mo.md(r"""
    ## 5. The full model

    `make_model(src_vocab, tgt_vocab, N, d_model, d_ff, h, dropout)` turns the paper's
    hyperparameters into a `TransformerConfig` and builds an `EncoderDecoder` from it:
    embeddings and positions, $N$ encoder layers (self-attention and a feed-forward network,
    each inside a residual `SublayerConnection` with a `LayerNorm`), $N$ decoder layers (with
    a second, encoder-decoder attention), and the `Generator`. Here is every module's call
    in the pass above, with the controls of sections 1 and 4 ($d_{ff} = 4 d_{model}$).
    """)
    return


@app.cell
def _(model, shape_rows, trace):
    n_params = sum(p.numel() for p in model.parameters())
    layer = {r.name for r in trace if r.name.startswith("encoder.layers.0")}
    mo.vstack(
        [
            mo.md(f"**{n_params:,} parameters.** The first encoder layer:"),
            mo.md(shape_rows(layer)),
            mo.accordion({"every module of the pass": mo.plain_text(trace.table())}),
        ]
    )
    return


@app.cell
def _():
    mo.md(r"""
    ## 6. Training

    The paper trains with Adam ($\beta_1 = 0.9$, $\beta_2 = 0.98$, $\epsilon = 10^{-9}$,
    `paper_adam`), a learning rate that warms up linearly and then decays with the inverse
    square root of the step,
    $lrate = d_{model}^{-0.5} \min(step^{-0.5}, step \cdot warmup^{-1.5})$ (`rate`), and
    label smoothing $\epsilon_{ls}$ (`LabelSmoothing`): the target puts $1 - \epsilon_{ls}$
    on the right token and spreads the rest over the others, so the model is never pushed
    to infinite confidence. The schedule scales with the width of section 1; the small
    models of the package train with a warmup then cosine decay (`warmup_cosine`).
    """)
    return


@app.cell
def _():
    smoothing = mo.ui.slider(
        0.0, 0.5, step=0.05, value=0.1, label="smoothing $\\epsilon_{ls}$", show_value=True
    )
    smoothing
    return (smoothing,)


@app.cell
def _(d_model, smoothing):
    def training_picture(width, eps):
        """Left: the paper's rate for ``width`` and a warmup-cosine; right: a smoothed target."""
        fig = Figure(figsize=(10, 3.2), layout="constrained")
        ax_rate, ax_target = fig.subplots(1, 2)
        steps = range(1, 20_001, 50)
        for w in sorted({width, 512}):
            ax_rate.plot(
                list(steps), [rate(s, w, 1.0, 4000) for s in steps], label=f"rate, d_model={w}"
            )
        cosine = partial(warmup_cosine, max_lr=1e-3, min_lr=1e-4, warmup=4000, total=20_000)
        ax_rate.plot(list(steps), [cosine(s) for s in steps], label="warmup_cosine (1e-3)")
        ax_rate.set_xlabel("optimizer step")
        ax_rate.set_ylabel("learning rate")
        ax_rate.legend(fontsize=8)
        criterion = LabelSmoothing(size=6, padding_idx=0, smoothing=eps)
        guess = torch.full((1, 6), 1 / 6).log()  # (tokens, vocab) log-probabilities
        criterion(guess, torch.tensor([2]))
        ax_target.bar(range(6), criterion.true_dist[0].tolist(), color="#2563eb")
        ax_target.set_xticks(range(6), ["<pad>", "a", "b (true)", "c", "d", "e"])
        ax_target.set_title(f"LabelSmoothing target, smoothing={eps:.2f}", fontsize=9)
        return fig

    training_picture(d_model.value, smoothing.value)
    return


@app.cell
def _():
    mo.md(r"""
    ## 7. The copy task

    The original's first experiment: given a few random digits, output them again. It needs
    only attention that finds "the same position in the source", so a model that cannot
    learn it has a bug. The cell below builds a one-layer model with `make_model`, draws
    batches with `get_task("copy").batch(...)`, and runs the package's own `train` loop with
    `LossCompute`, `LabelSmoothing`, `paper_adam` and `warmup_cosine`, for at most the
    seconds you choose, plotting the loss as it goes.
    """)
    return


@app.cell
def _():
    seconds = mo.ui.slider(1, 15, value=3, label="seconds of training", show_value=True)
    again = mo.ui.button(label="train again", value=0, on_click=lambda n: n + 1)
    mo.hstack([seconds, again], justify="start", gap=2)
    return again, seconds


@app.cell
def _(again, seconds):
    def loss_picture(history, budget):
        """The loss per token of every optimizer step so far."""
        fig = Figure(figsize=(7, 3), layout="constrained")
        ax = fig.subplots()
        ax.plot([r["loss"] for r in history], color="#2563eb")
        ax.set_yscale("log")
        ax.set_xlabel("optimizer step")
        ax.set_ylabel("loss per token")
        ax.set_title(f"copy task, {len(history)} steps (at most {budget} s)", fontsize=9)
        return fig

    def train_copy(budget, max_steps=400, batch_size=64):
        """Train a fresh copy model for at most ``budget`` seconds; redraw the loss as it goes."""
        copy_task = get_task("copy")
        vocab = copy_task.vocab
        torch.manual_seed(again.value)
        net = make_model(len(vocab), len(vocab), N=1, d_model=64, d_ff=128, h=2, dropout=0.0)
        deadline = time.perf_counter() + budget

        def batches(start):  # the data "runs out" when the time is up: train() then stops
            index = start
            while time.perf_counter() < deadline:
                yield copy_task.batch(seed=0, index=index, batch_size=batch_size)
                index += 1

        drawn = [0.0]

        def redraw(state):
            if time.perf_counter() - drawn[0] > 0.4:
                drawn[0] = time.perf_counter()
                mo.output.replace(loss_picture(state.history, budget))

        schedule = partial(warmup_cosine, max_lr=1e-2, min_lr=1e-3, warmup=20, total=max_steps)
        state = train(
            net,
            batches,
            LossCompute(LabelSmoothing(len(vocab), vocab.pad)),
            paper_adam(net.parameters()),
            schedule,
            LoopOptions(max_steps=max_steps),
            on_step=redraw,
        )
        return copy_task, net.eval(), state

    copy_task, copy_model, copy_state = train_copy(seconds.value)
    held_out = copy_task.held_out(300)
    copy_score = exact_match(copy_model, copy_task, held_out)
    mo.vstack(
        [
            loss_picture(copy_state.history, seconds.value),
            mo.md(
                f"{copy_state.optimizer_steps} optimizer steps, {copy_state.tokens:,} target "
                f"tokens, final loss {copy_state.history[-1]['loss']:.4f} per token; exact "
                f"match on 300 held-out inputs: **{copy_score:.0%}**."
            ),
        ]
    )
    return copy_model, copy_task, held_out


@app.cell
def _():
    mo.md(r"""
    ## 8. Decoding

    At inference there is no target to feed the decoder: it reads its own output.
    `greedy_decode` starts from `<s>` and appends the most likely token,
    $y_{t+1} = \arg\max_w p(w \mid y_{\le t}, x)$, until `</s>`; `beam_search` keeps the $k$
    most likely prefixes instead. Here both decode held-out inputs with the model just
    trained (`predict` turns text into tensors and back).
    """)
    return


@app.cell
def _(copy_model, copy_task, held_out):
    def decoding_table(texts):
        """Greedy and beam-4 answers of the fresh copy model to ``texts``."""
        greedy = predict(copy_model, copy_task, texts)
        beam = predict(copy_model, copy_task, texts, beam=4)
        lines = ["| input | greedy | beam 4 | right? |", "|---|---|---|---|"]
        for text, g, b in zip(texts, greedy, beam, strict=True):
            mark = "yes" if g == copy_task.answer(text) else "**no**"
            lines.append(f"| `{text}` | `{g}` | `{b}` | {mark} |")
        return "\n".join(lines)

    vocab_ = copy_task.vocab
    one = copy_task.source_tensor([copy_task.parse(held_out[0])])  # (1, src_len)
    steps_greedy = greedy_decode(
        copy_model, one, padding_mask(one, vocab_.pad), one.size(1) + 2, vocab_.start, vocab_.end
    )
    beams = beam_search(
        copy_model,
        one,
        padding_mask(one, vocab_.pad),
        one.size(1) + 2,
        vocab_.start,
        vocab_.end,
        beam_size=4,
        pad=vocab_.pad,
    )
    mo.vstack(
        [
            mo.md(decoding_table(held_out[:6])),
            mo.md(
                f"`greedy_decode` of `{held_out[0]}` gives the token ids "
                f"`{steps_greedy[0].tolist()}` (`<s>` = {vocab_.start}, `</s>` = {vocab_.end}); "
                f"`beam_search` returns {tuple(beams.sequences.shape)} = (batch, beam, len), "
                f"best first."
            ),
        ]
    )
    return


@app.cell
def _():
    mo.md(r"""
    A language model samples instead: $p_i = e^{z_i / \tau} / \sum_j e^{z_j / \tau}$.
    The temperature $\tau$ sharpens ($\tau < 1$) or flattens ($\tau > 1$) the model's
    distribution; $\tau = 0$ is greedy. It also drives the sample of the next section.
    """)
    return


@app.cell
def _():
    shakespeare = load("shakespeare")
    temperature = mo.ui.slider(
        0.0, 1.5, step=0.1, value=0.8, label="temperature $\\tau$", show_value=True
    )
    temperature
    return shakespeare, temperature


@app.cell
def _(shakespeare, shown, temperature):
    def next_character(context, tau):
        """Bars of the 12 most likely characters after ``context`` at temperature ``tau``."""
        tokenizer = shakespeare.tokenizer
        with torch.no_grad():
            logits = shakespeare.model(tokenizer.encode_tensor(context)[None])[0, -1]  # (vocab,)
        if tau == 0:
            probs = torch.zeros_like(logits).scatter(0, logits.argmax()[None], 1.0)
        else:
            probs = (logits / tau).softmax(-1)
        top = probs.topk(12)
        fig = Figure(figsize=(7, 2.8), layout="constrained")
        ax = fig.subplots()
        labels = shown([tokenizer.decode([i]) for i in top.indices.tolist()])
        ax.bar(range(12), top.values.tolist(), color="#2563eb")
        ax.set_xticks(range(12), labels)
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability")
        ax.set_title(f"next character after {context!r}, temperature {tau:.1f}", fontsize=9)
        return fig

    next_character("To be or not to ", temperature.value)
    return


@app.cell
def _():
    mo.md(r"""
    ## 9. A real example

    The package ships a small character-level GPT (a decoder-only Transformer: RoPE,
    RMSNorm, SwiGLU) trained on Shakespeare's plays: `load("shakespeare")`. Give it a prompt;
    `generate` writes 300 characters at the temperature above (seeded, so the same settings
    give the same text), and `record_attention` shows how the heads of one layer read the
    first characters.
    """)
    return


@app.cell
def _():
    prompt = mo.ui.text_area(value="ROMEO:\n", label="prompt", rows=2)
    block = mo.ui.slider(0, 3, value=3, label="layer", show_value=True)
    mo.hstack([prompt, block], justify="start", gap=2)
    return block, prompt


@app.cell
def _(prompt, shakespeare, temperature):
    def sample(text, tau, n=300):
        """The prompt and ``n`` sampled characters, as token ids ``(1, seq)``."""
        ids = shakespeare.tokenizer.encode_tensor(text)[None]  # (1, prompt_len)
        seed = torch.Generator().manual_seed(0)
        with torch.no_grad():
            return generate(shakespeare.model, ids, n, temperature=tau, top_k=40, generator=seed)

    try:
        sampled = sample(prompt.value, temperature.value)
    except ValueError as _error:
        sampled = None
        sample_view = mo.callout(mo.md(f"**{_error}**"), kind="warn")
    else:
        sample_view = mo.plain_text(shakespeare.tokenizer.decode(sampled[0]))
    sample_view
    return (sampled,)


@app.cell
def _(block, heatmaps, sampled, shakespeare, shown):
    def character_attention(ids, layer, length=32):
        """The heads of ``layer`` over the first ``length`` characters, ``(h, seq, seq)``."""
        window = ids[:, :length]  # (1, seq)
        with record_attention(shakespeare.model), torch.no_grad():
            shakespeare.model(window)
        attn = shakespeare.model.get_submodule(f"blocks.{layer}.self_attn").attn[0]
        chars = shown(list(shakespeare.tokenizer.decode(window[0])))
        return attn, chars

    if sampled is None:
        lm_view = mo.md("")
    else:
        lm_weights, chars = character_attention(sampled, block.value)
        lm_view = heatmaps(
            lm_weights,
            chars,
            chars,
            [f"layer {block.value}, head {i}" for i in range(lm_weights.size(0))],
            title="causal self-attention of the Shakespeare model: nothing above the diagonal",
        )
    lm_view
    return


@app.cell
def _():
    mo.callout(
        mo.md(r"""
        **Translation.** The original ends with a German-to-English model. Its counterpart
        here comes with the package's translate task; once that model ships, this section
        will show its translations and attention. Nothing is shown until then.
        """),
        kind="info",
    )
    return


@app.cell
def _():
    mo.md(r"""
    ## Conclusion

    Every picture above was drawn by the package's own code: the shapes by `trace_shapes`,
    the masks by `subsequent_mask`, `padding_mask` and `target_mask`, the attention by
    `record_attention` on the shipped models, the training by `train`, the text by
    `generate`. The command line runs the same code (`annotated shapes`, `annotated train
    copy`, `annotated generate`), and the tests hold it to the equations.
    """)
    return


if __name__ == "__main__":
    app.run()
