"""Start the chat: load the model and index once, build the index first if there is none."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from index.settings import Settings, load_settings

if TYPE_CHECKING:
    import gradio as gr

log = logging.getLogger(__name__)


# Threads for encoding one question once the index is built (0 leaves torch's default, one per core);
# concurrent questions encoded together use every core (assistant/question_threads.py).
QUESTION_THREADS = 1
# Encoded once before the port opens (never stored in the query cache).
WARM_UP_QUESTION = "Who organised the meeting on border management?"


class ServeError(RuntimeError):
    """The chat cannot start; the message says what to do."""


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``user:password`` to a pair; None for no auth. The password may contain ':'."""
    if auth is None or not auth.strip():
        return None
    user, colon, password = auth.partition(":")
    if not colon or not user.strip() or not password:
        raise ServeError("--auth must be written user:password (both non-empty)")
    return user.strip(), password


def ensure_index(settings: Settings, encoder) -> None:
    """Build the index from ``settings.corpus_dir`` when the index directory has no live generation."""
    from corpus.loader import load_corpus
    from index.build import build_index
    from index.store import read_current

    if read_current(settings.index_dir) is not None:
        return
    print(f"No index in {settings.index_dir}: building it from {settings.corpus_dir} …", flush=True)
    load = load_corpus(settings.corpus_dir, progress=True)
    for problem in load.problems:
        print(f"skipped {problem}", file=sys.stderr)
    if not load.releases:
        raise ServeError(f"no usable releases in {settings.corpus_dir}; add release files or set corpus_dir")
    report = build_index(settings, encoder, load.releases, progress=True)
    print(f"Indexed {report.releases} releases ({report.chunks} passages) in {report.seconds:.0f} s.", flush=True)


def question_encoder(encoder, threads: int):  # noqa: ANN001, ANN201
    """``encoder`` set to encode one question on ``threads`` CPU threads and a batch of
    concurrent questions on every core torch uses by default (0: the default for both)."""
    if not threads:
        return encoder
    import torch

    from assistant.question_threads import ThreadsBySize

    return ThreadsBySize(encoder, single=threads, batch=max(threads, torch.get_num_threads()))


def warm_up(encoder) -> None:  # noqa: ANN001
    """Run the model once on a question before the chat opens its port.

    The first forward pass allocates buffers and picks kernels: it took 0.46-0.67 s against a
    p50 of 0.18-0.23 s for later questions, and under load every question of the first batch
    waits for it. Paying it at start keeps it off the first user's answer.
    """
    from index.encoder import QUERY_PROMPT

    encoder.encode([WARM_UP_QUESTION], QUERY_PROMPT)


def serve(
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
    share: bool = False,
    settings: Settings | None = None,
    block: bool = True,
    threads: int = 0,
) -> gr.Blocks:
    """Launch the chat on ``host:port`` (loopback by default) and print its URL.

    ``auth`` is ``user:password`` for HTTP basic auth. ``block=False`` returns the
    running Gradio app (tests); otherwise this call serves until interrupted. ``threads``
    (when not 0) is how many CPU threads encode a single question once the index is built;
    a batch of concurrent questions uses every core.
    """
    from assistant.app import build_app
    from assistant.page import CSS, PAGE_SCRIPT
    from assistant.questions import prepare_language_detector
    from assistant.service import Assistant
    from index.encoder import load_encoder

    credentials = parse_auth(auth)
    settings = settings or load_settings()
    encoder = load_encoder(settings.model, settings)
    ensure_index(settings, encoder)
    encoder = question_encoder(encoder, threads)
    assistant = Assistant(
        settings.index_dir, encoder, mode=settings.retrieval_mode, milvus_token=settings.store_location.token
    )
    prepare_language_detector()
    warm_up(encoder)
    demo = build_app(assistant, settings.feedback_path)
    _, local_url, share_url = demo.launch(
        server_name=host,
        server_port=port,
        auth=credentials,
        share=share,
        # The app shows no files. Gradio falls back to $GRADIO_ALLOWED_PATHS when allowed_paths
        # is empty, so block the whole file system for file requests instead.
        allowed_paths=[],
        blocked_paths=[str(Path(os.sep).resolve())],
        max_file_size=0,  # the app takes no uploads: refuse any
        enable_monitoring=False,
        run_history=False,  # questions are not kept in the browser's storage
        mcp_server=False,
        ssr_mode=False,
        footer_links=["api"],
        css=CSS,
        js=PAGE_SCRIPT,  # copy and export buttons
        prevent_thread_lock=True,
        quiet=True,
    )
    print(f"Press release assistant running at {local_url}", flush=True)
    if share_url:
        print(f"Public share link: {share_url}", flush=True)
    if not block:
        return demo
    demo.block_thread()
    return demo
