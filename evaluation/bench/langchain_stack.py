"""Side by side with the usual stack: LangChain's FAISS vector store over HuggingFaceEmbeddings.

Same model folder, same chunks (this project's chunker), same process, interleaved with the
project's own build and search so load drift on the shared CPU hits both alike. LangChain is an
optional extra (``pip install -e .[bench]``); it is imported only here, only when this runs.
"""

from __future__ import annotations

import importlib
import shutil
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.release import Release
from evaluation.bench.indexing import fresh_settings
from evaluation.bench.stats import LatencySummary
from index.build import build_index
from index.chunking import chunk_release
from index.encoder import Encoder
from index.search import Searcher
from index.store import open_index

INSTALL_HINT = "install the bench extra: pip install -e '.[bench]' (langchain-community)"
EMBEDDING_MODULES = ("langchain_huggingface", "langchain_community.embeddings")


class LangchainMissingError(RuntimeError):
    """LangChain's FAISS store or HuggingFaceEmbeddings cannot be imported."""


def load_langchain() -> tuple[Any, Any, Any, str]:
    """(FAISS store class, HuggingFaceEmbeddings class, Document class, embeddings module name)."""
    try:
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document
    except ImportError as error:
        raise LangchainMissingError(f"LangChain is not installed ({error}); {INSTALL_HINT}") from error
    for name in EMBEDDING_MODULES:
        try:
            return FAISS, importlib.import_module(name).HuggingFaceEmbeddings, Document, name
        except (ImportError, AttributeError):
            continue
    raise LangchainMissingError(f"no HuggingFaceEmbeddings in {' or '.join(EMBEDDING_MODULES)}; {INSTALL_HINT}")


@dataclass
class LangchainResult:
    embeddings_module: str
    chunks: int
    model_load_seconds: float
    shared_model: bool = False  # LangChain used the project's loaded model: no load time of its own
    project_build_seconds: list[float] = field(default_factory=list)
    langchain_build_seconds: list[float] = field(default_factory=list)
    project_dense: LatencySummary | None = None
    project_hybrid: LatencySummary | None = None
    langchain_query: LatencySummary | None = None
    same_top1_share: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def build_ratio(self) -> float:
        """Project build seconds ÷ LangChain build seconds (below 1: the project is faster)."""
        return statistics.median(self.project_build_seconds) / statistics.median(self.langchain_build_seconds)

    @property
    def query_ratio(self) -> float:
        """Project dense p50 ÷ LangChain p50 (below 1: the project is faster)."""
        assert self.project_dense is not None and self.langchain_query is not None
        return self.project_dense.p50_ms / self.langchain_query.p50_ms


def langchain_embeddings(embeddings_class: Any, model_folder: Path, batch_size: int, model: Any = None) -> Any:
    """HuggingFaceEmbeddings on the local model folder, normalised, the document prompt, our batch size.

    ``model``: a sentence-transformers model already loaded from that folder, used as LangChain's client
    instead of loading a second copy (pydantic's ``model_construct`` skips the constructor that loads it).
    """
    fields = {
        "model_name": str(model_folder),
        "model_kwargs": {"device": "cpu", "local_files_only": True},
        "encode_kwargs": {"normalize_embeddings": True, "batch_size": batch_size, "prompt_name": "document"},
    }
    if model is not None:
        return embeddings_class.model_construct(client=model, **fields)
    return embeddings_class(**fields)


def measure_langchain(
    encoder: Encoder,
    model_folder: Path,
    releases: Sequence[Release],
    questions: Sequence[str],
    work_dir: Path,
    rounds: int = 1,
    batch_size: int = 16,
    project_index: tuple[Path, list[float]] | None = None,
    shared_model: Any = None,
) -> LangchainResult:
    """Interleave ``rounds`` × (project build, LangChain build), then per question project dense,
    LangChain and project hybrid searches (k=10, no query cache on either side).

    ``project_index`` (index folder, build seconds) reuses builds measured earlier in the run
    instead of building again, and ``shared_model`` (the project encoder's sentence-transformers model)
    spares LangChain a second model load (the quick bench).
    """
    faiss_store, embeddings_class, document_class, module = load_langchain()
    chunks = [chunk for release in releases for chunk in chunk_release(release)]
    by_id = {release.id: release for release in releases}
    documents = [
        document_class(
            page_content=chunk.text,
            metadata={
                "release_id": chunk.release_id,
                "title": by_id[chunk.release_id].title,
                "date": str(by_id[chunk.release_id].date or ""),
                "source": by_id[chunk.release_id].source,
                "language": chunk.language,
                "start": chunk.start,
                "end": chunk.end,
            },
        )
        for chunk in chunks
    ]
    started = time.perf_counter()
    embeddings = langchain_embeddings(embeddings_class, model_folder, batch_size, shared_model)
    result = LangchainResult(module, len(chunks), round(time.perf_counter() - started, 3), shared_model is not None)
    if module != "langchain_huggingface":
        result.notes.append(
            "HuggingFaceEmbeddings from langchain_community (langchain-huggingface needs huggingface-hub<2, "
            "which conflicts with this project's pin); it encodes queries with the same document prompt"
        )
    embeddings.embed_documents(["warm-up"])

    store = None
    index_dir = project_index[0] if project_index else None
    if project_index:
        result.project_build_seconds = list(project_index[1])
        result.notes.append("project build seconds reused from the indexing section (quick run)")
    for number in range(rounds):
        if not project_index:
            settings = fresh_settings(work_dir, f"langchain-project-{number}")
            report = build_index(settings, encoder, releases, progress=False, rebuild=True)
            result.project_build_seconds.append(report.seconds)
            index_dir = settings.index_dir
        folder = work_dir / f"langchain-store-{number}"
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        store = faiss_store.from_documents(documents, embeddings)
        store.save_local(str(folder))
        result.langchain_build_seconds.append(time.perf_counter() - started)
    assert store is not None and index_dir is not None

    index = open_index(index_dir, expected_model_id=encoder.model_id)
    try:
        dense, hybrid = Searcher(index, encoder, "dense"), Searcher(index, encoder, "hybrid")
        timings: dict[str, list[float]] = {"dense": [], "langchain": [], "hybrid": []}
        agree = 0
        for question in questions:
            started = time.perf_counter()
            ours = dense.search(question, k=10)
            timings["dense"].append(time.perf_counter() - started)
            started = time.perf_counter()
            theirs = store.similarity_search_with_score(question, k=10)
            timings["langchain"].append(time.perf_counter() - started)
            started = time.perf_counter()
            hybrid.search(question, k=10)
            timings["hybrid"].append(time.perf_counter() - started)
            if ours and theirs and (ours[0].release_id, ours[0].start) == (
                theirs[0][0].metadata["release_id"],
                theirs[0][0].metadata["start"],
            ):
                agree += 1
    finally:
        index.close()
    result.project_dense = LatencySummary.of_seconds(timings["dense"])
    result.langchain_query = LatencySummary.of_seconds(timings["langchain"])
    result.project_hybrid = LatencySummary.of_seconds(timings["hybrid"])
    result.same_top1_share = round(agree / len(questions), 4) if questions else 0.0
    return result
