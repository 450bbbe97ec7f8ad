"""The bench report: JSON + Markdown from a hand-made result, the README table and the CLI plugin."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from evaluation.bench import cli
from evaluation.bench.footprint import COMPRESSIONS, Compression, compressed_index, truncate
from evaluation.bench.indexing import IndexingResult, ReindexResult
from evaluation.bench.latency import PARTS
from evaluation.bench.report import headline_rows, readme_table, render_markdown, write_report
from evaluation.bench.run import SECTIONS, to_plain
from evaluation.bench.stats import LatencySummary


def indexing_result() -> IndexingResult:
    return IndexingResult(
        model_id="fake:64",
        releases=5,
        chunks=30,
        distinct_texts=30,
        build_seconds=[10.0],
        build_embed_seconds=[9.0],
        raw_encode_seconds=[9.0, 10.0],
        reindex=ReindexResult(5, 31, "000", 8, 1, 7, 0.5, 0.25, 10.0),
    )


def results() -> dict:
    summary = to_plain(LatencySummary.of_seconds([0.1, 0.2, 0.3]))
    return {
        "started": "2026-01-02T03:04:05+00:00",
        "quick": True,
        "machine": {"cpus": 2, "model_id": "fake:64", "load_average_start": 1.0, "load_average_end": 2.0},
        "seconds": {"indexing": 12.0},
        "sections": {
            "indexing": to_plain(indexing_result()),
            "latency": {
                "mode": "hybrid",
                "index_chunks": 30,
                "passes": [
                    {"name": "first ask", "questions": 3, "statuses": {"answered": 3}, "load_average": 1.0,
                     "summary": {part: summary for part in PARTS}},
                ],
            },
            "scale": {"error": "RuntimeError: out of memory", "trace": ""},
        },
    }


def test_ratio_is_raw_encode_time_over_build_time() -> None:
    result = indexing_result()
    assert result.ratio == pytest.approx(9.5 / 10.0)
    assert result.build_chunks_per_second == pytest.approx(3.0)
    assert to_plain(result)["ratio"] == pytest.approx(0.95)


def test_headline_quotes_the_ratio_reindex_and_latency() -> None:
    rows = dict(headline_rows(results()))
    assert rows["Full build vs raw encode throughput (target ≥ 0.95)"].startswith("0.950")
    assert "1 of 8 chunks re-embedded" in rows["Re-index after one release changes (seed corpus)"]
    assert rows["Answer latency p50 / p95 / p99 (hybrid, first ask)"].startswith("200 / 290 / 298 ms")


def test_readme_table_is_dated_and_markdown_names_failed_sections() -> None:
    assert readme_table(results()).startswith("**Bench 2026-01-02 (quick;")
    markdown = render_markdown(results())
    assert "_scale failed: RuntimeError: out of memory_" in markdown
    assert "_LangChain comparison: not run._" in markdown


def test_write_report_writes_json_and_markdown(tmp_path: Path) -> None:
    files = write_report(results(), tmp_path / "reports")
    assert files.json.name == "bench-20260102T030405-quick.json"
    assert json.loads(files.json.read_text(encoding="utf-8"))["sections"]["indexing"]["chunks"] == 30
    assert files.markdown.read_text(encoding="utf-8").startswith("# Performance and scale bench")


def test_truncation_renormalises_the_leading_components() -> None:
    vectors = np.array([[3.0, 4.0, 12.0]], dtype=np.float32)
    assert truncate(vectors, 2).tolist() == [[pytest.approx(0.6), pytest.approx(0.8)]]
    with pytest.raises(ValueError, match="truncate"):
        truncate(vectors, 4)


def test_compression_sizes_and_full_precision_index_matches_exact_search() -> None:
    assert COMPRESSIONS[0].bytes_per_vector == 768 * 4
    assert Compression("x", 256, True).bytes_per_vector == 512
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((40, 768)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = compressed_index(vectors, np.arange(40, dtype=np.int64), COMPRESSIONS[0])
    _, ids = index.search(vectors[:5], 1)
    assert ids.ravel().tolist() == [0, 1, 2, 3, 4]


def test_register_adds_the_bench_command_and_checks_sections() -> None:
    app = typer.Typer()
    cli.register(app)
    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["bench", "--only", "indexing,nonsense"])
    assert result.exit_code != 0
    assert "nonsense" in result.output
    assert cli._sections(None) == SECTIONS
    assert cli._sections("scale, scale,indexing") == ("scale", "indexing")


def test_a_small_run_with_the_fake_encoder_renders_every_measured_section(tmp_path: Path) -> None:
    from evaluation.bench.report import render_markdown
    from evaluation.bench.run import BenchConfig, run_bench
    from index.settings import REPO_CORPUS, Settings

    config = BenchConfig(
        quick=True,
        out_dir=tmp_path / "reports",
        settings=Settings(home=tmp_path / "home", model="fake:64"),
        corpus_dir=REPO_CORPUS,
        ntrex_dir=tmp_path / "no-ntrex",
        work_dir=tmp_path / "work",
        sections=("indexing", "latency", "memory", "query_model", "scale", "reindex_scale"),
        progress=False,
        scale_sizes=(1500,),
        reindex_sizes=(6,),
        question_count=3,
    )
    import torch

    threads_before = torch.get_num_threads()
    outcome = run_bench(config).to_dict()
    failed = {name: section["error"] for name, section in outcome["sections"].items() if "error" in section}
    assert failed == {}
    # quick runs use one thread and give the process its thread counts back
    assert outcome["samples"]["threads"] == 1 and outcome["machine"]["torch_threads"] == 1
    assert torch.get_num_threads() == threads_before
    scale = outcome["sections"]["scale"][0]
    assert scale["n"] == 1500
    assert {variant["kind"] for variant in scale["variants"]} == {"exact", "exact-fp16", "shipped", "ivf", "hnsw"}
    shipped = [variant for variant in scale["variants"] if variant["kind"] == "shipped"]
    assert [variant["layout"]["kind"] for variant in shipped] == ["exact", "exact"]  # 1,500 chunks: exact search
    assert scale["serving"]["chunks"] == 1500  # the probe opened the synthetic generation
    exact = next(v for v in scale["variants"] if v["kind"] == "exact")
    assert exact["settings"][0]["recall_at_10"] == 1.0
    # quick: the shortest release, questions it answers, memory measured in this process
    assert len(outcome["samples"]["releases"]) == 1 and outcome["samples"]["questions"] == 3
    assert outcome["sections"]["indexing"]["releases"] == 1
    memory = outcome["sections"]["memory"]
    assert memory["method"] == "in-process" and memory["chunks"] == outcome["sections"]["indexing"]["chunks"]
    markdown = render_markdown(outcome)
    assert "not rendered" not in markdown and "failed" not in markdown
    assert "| 1,500 | clustered | ivf |" in markdown
    assert "| 1,500 | clustered | shipped | index.faiss_layout: exact |" in markdown
    assert "Quick run with small samples" in markdown
    assert "Shipped layout at 1,500 chunks, clustered (exact)" in dict(headline_rows(outcome))


def test_missing_langchain_is_reported_with_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from evaluation.bench.langchain_stack import INSTALL_HINT, LangchainMissingError, load_langchain

    monkeypatch.setitem(sys.modules, "langchain_community.vectorstores", None)  # import now fails
    with pytest.raises(LangchainMissingError) as raised:
        load_langchain()
    assert INSTALL_HINT in str(raised.value)


def test_langchain_can_wrap_an_already_loaded_model(tmp_path: Path) -> None:
    pytest.importorskip("langchain_community", reason="the bench extra (langchain-community) is not installed")
    from evaluation.bench.langchain_stack import langchain_embeddings, load_langchain

    class LoadedModel:
        def __init__(self) -> None:
            self.calls: list[tuple[list[str], dict]] = []

        def encode(self, texts: list[str], **options: object) -> np.ndarray:
            self.calls.append((texts, options))
            return np.ones((len(texts), 3), dtype=np.float32)

    model = LoadedModel()
    embeddings = langchain_embeddings(load_langchain()[1], tmp_path / "no-model-here", 4, model=model)
    assert embeddings.embed_documents(["one\ntwo"]) == [[1.0, 1.0, 1.0]]
    texts, options = model.calls[0]
    assert texts == ["one two"]  # LangChain's own preprocessing still applies
    assert options["prompt_name"] == "document" and options["batch_size"] == 4
