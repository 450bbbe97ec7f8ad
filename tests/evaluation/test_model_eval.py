"""The golden evaluation and a small NTREX slice with the real EmbeddingGemma model.

The floors sit well below the values measured when the set was written (see the evaluation
reports): a failure means retrieval or answer composition broke, not ordinary noise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.cached_encoder import CachedEncoder
from evaluation.golden_eval import run_golden_evaluation
from evaluation.ntrex import LANGUAGE_TAGS
from evaluation.ntrex_eval import run_ntrex_evaluation
from index.settings import Settings

pytestmark = pytest.mark.model


@pytest.fixture
def real_cached(real_encoder, tmp_path: Path):
    settings = Settings(home=tmp_path / "home")
    encoder = CachedEncoder(real_encoder, settings.embedding_cache_path)
    yield settings, encoder
    encoder.close()


def test_golden_evaluation_end_to_end(real_cached, shipped_releases, tmp_path: Path) -> None:
    settings, encoder = real_cached
    evaluation = run_golden_evaluation(
        settings, encoder, [settings.retrieval_mode], tmp_path / "out", shipped_releases, progress=False
    )
    (result,) = evaluation.results
    overall = result.overall()
    assert result.n == evaluation.composition["answerable"]
    assert overall["mrr@10"].mean >= 0.7, overall
    assert overall["answer@3"].mean >= 0.5, overall
    cross = result.breakdown("cross-lingual")["yes"]
    assert cross["mrr@10"].n > result.n / 2
    assert cross["mrr@10"].mean >= 0.6, cross
    assert evaluation.report.markdown.is_file()


def test_small_ntrex_headline_slice(real_cached, ntrex_dir: Path, tmp_path: Path) -> None:
    settings, encoder = real_cached
    evaluation = run_ntrex_evaluation(
        settings, encoder, ntrex_dir, 3, ["headline"], ["dense"], tmp_path / "out", progress=False
    )
    (result,) = evaluation.results["headline"]
    assert result.n == 3 * 30
    # Three candidate articles per target language: chance would give R@1 of about 1/3.
    assert result.overall()["recall@1"].mean >= 0.8, result.overall()
    matrix = result.matrix("mrr@10", LANGUAGE_TAGS)
    assert all(value >= 0.5 for row in matrix for value in row if value == value), matrix


def test_golden_set_and_ntrex_slice_score_the_same_on_faiss_and_milvus(
    real_cached, shipped_releases, ntrex_dir: Path, tmp_path: Path, milvus_server
) -> None:
    """Exact search on both backends: every per-question score agrees (tolerance 1e-6).

    Milvus twice: milvus-lite and a real Milvus standalone server (the ``milvus_server`` fixture).
    The three runs share one embedding cache, so the model encodes the corpus once.
    """
    settings, encoder = real_cached
    stores = {
        "faiss": settings,
        "milvus-lite": settings.with_overrides(vector_store="vectors/milvus.db"),
        "milvus-server": settings.with_overrides(vector_store=milvus_server.uri),
    }
    golden = {}
    ntrex = {}
    for name, chosen in stores.items():
        out = tmp_path / name
        golden[name] = run_golden_evaluation(chosen, encoder, ["dense"], out, shipped_releases, progress=False)
        ntrex[name] = run_ntrex_evaluation(chosen, encoder, ntrex_dir, 2, ["passage"], ["dense"], out, progress=False)
    for milvus in ("milvus-lite", "milvus-server"):
        pairs = [(golden["faiss"].results[0], golden[milvus].results[0])]
        pairs.append((ntrex["faiss"].results["passage"][0], ntrex[milvus].results["passage"][0]))
        for on_faiss, on_milvus in pairs:
            assert on_milvus.config.data["vector_store"]["backend"] == "milvus"
            assert "vector_store" not in on_faiss.config.data and on_faiss.config.hash != on_milvus.config.hash
            assert on_faiss.scores.keys() == on_milvus.scores.keys() and on_faiss.n == on_milvus.n > 0
            for metric, per_query in on_faiss.scores.items():
                for query, value in per_query.items():
                    assert on_milvus.scores[metric][query] == pytest.approx(value, abs=1e-6), (milvus, metric, query)
