"""``annotated generate RUN_DIR|CHECKPOINT --prompt ...``: stream text from a trained GPT.

The prompt is printed, then every new token's text the moment it is sampled, decoded by the
run's tokenizer (characters, or subwords for a run trained with ``--tokenizer bpe``). ``shakespeare``
(when no such path exists) names the shipped model. Sampling is seeded, so the same command
prints the same text. Past the model's context the text is generated with the shifted
context (:func:`~annotated.generate_stream` with ``context="shift"``), as the Lab and the
demo do, so the three write the same text for the same seed. ``--no-cache`` re-runs the
whole context at every step instead of keeping keys and values (same text, slower: a check
of the cache).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import torch

from annotated.cli.argtypes import (
    THREADS_HELP,
    checkpoint,
    fraction,
    non_negative_int,
    positive_int,
)
from annotated.decoding.generate import generate_stream
from annotated.tasks import load_language_model
from annotated.tokenizers.protocol import decode_stream
from annotated.training.device import pick_device

MAX_NEW_TOKENS = 100_000  # beyond this a request is a typo, not a wish
MAX_PROMPT = 100_000
MAX_TEMPERATURE = 100.0


def temperature(text: str) -> float:
    """A number from 0 (greedy) to 100."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= MAX_TEMPERATURE:
        raise argparse.ArgumentTypeError(
            f"expected a temperature from 0 to {MAX_TEMPERATURE:g}, got {text!r}"
        )
    return value


def run(args: argparse.Namespace) -> int:
    """Load, check the request, stream the text to standard output."""
    if args.max_new_tokens > MAX_NEW_TOKENS:
        raise ValueError(f"--max-new-tokens {args.max_new_tokens} is over {MAX_NEW_TOKENS}")
    if not args.prompt:
        raise ValueError("--prompt is empty: give at least one character")
    if len(args.prompt) > MAX_PROMPT:
        raise ValueError(f"--prompt has {len(args.prompt)} characters, over {MAX_PROMPT}")
    if args.top_p == 0:
        raise ValueError("--top-p must be above 0 (1 keeps every token)")
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    model, tokenizer, _ = load_language_model(args.checkpoint, device)
    prompt = tokenizer.encode_tensor(args.prompt)[None].to(device)  # (batch, seq) = (1, len)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    out = sys.stdout
    out.write(args.prompt)
    out.flush()
    stream = generate_stream(
        model, prompt, args.max_new_tokens, temperature=args.temperature, top_k=args.top_k,
        top_p=args.top_p, generator=generator, use_cache=not args.no_cache, context="shift",
    )  # fmt: skip
    for piece in decode_stream(tokenizer, stream):  # each token's text, once it is whole
        out.write(piece)
        out.flush()
    out.write("\n")
    return 0


def register(sub: Any) -> None:
    """Add the ``generate`` subcommand."""
    p = sub.add_parser(
        "generate",
        help="stream text from a trained GPT (e.g. the shipped shakespeare model)",
        description="Sample text from a GPT checkpoint (characters or subwords), streamed as "
        "it comes.",
    )
    p.add_argument(
        "checkpoint",
        type=checkpoint,
        help="a run directory, its model.safetensors, or 'shakespeare' (the shipped model)",
    )
    p.add_argument("--prompt", default="\n", help="the text to continue (default: a newline)")
    p.add_argument("--max-new-tokens", type=positive_int, default=500, help="tokens to add (500)")
    p.add_argument(
        "--temperature", type=temperature, default=0.8, help="0 = greedy, 1 = the model's (0.8)"
    )
    p.add_argument("--top-k", type=positive_int, help="sample from the k likeliest only")
    p.add_argument("--top-p", type=fraction, help="sample from the nucleus of this mass")
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed (0)")
    p.add_argument("--no-cache", action="store_true", help="no KV cache (slower, same text)")
    p.add_argument("--threads", type=positive_int, default=1, help=THREADS_HELP)
    p.add_argument("--device", default="cpu", help="cpu (default), auto, cuda or mps")
    p.set_defaults(run=run)
