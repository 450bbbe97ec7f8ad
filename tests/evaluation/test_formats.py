"""Round trips and error messages of the BEIR-style files and ranx run files."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.formats import (
    CorpusDocument,
    EvaluationFormatError,
    Query,
    load_run,
    read_corpus,
    read_jsonl,
    read_qrels,
    read_queries,
    save_run,
    write_corpus,
    write_qrels,
    write_queries,
)

QRELS = {"q1": {"000_a": 2, "001_b": 1}, "q-2": {"ntrex-bbc.1-sr-Cyrl": 1}}


def test_corpus_round_trip_keeps_unicode_and_metadata(tmp_path: Path) -> None:
    documents = [
        CorpusDocument("001", "ИОМ организираше состанок", "Текст\nсо две линии", {"languages": ["mk"]}),
        CorpusDocument("003", "EU donates", "worth 170,900 KM", {}),
    ]
    path = tmp_path / "corpus.jsonl"
    write_corpus(path, documents)
    assert read_corpus(path) == documents
    assert '"_id": "001"' in path.read_text(encoding="utf-8")


def test_queries_round_trip_and_beir_id_accepted(tmp_path: Path) -> None:
    queries = [Query("sr-Cyrl-01", "Коју функцију обавља Енес Карић?", "sr-Cyrl", "Cyrl", {"kind": "exact-term"})]
    path = tmp_path / "queries.jsonl"
    write_queries(path, queries)
    assert read_queries(path) == queries
    beir = tmp_path / "beir.jsonl"
    beir.write_text('{"_id": "q9", "text": "t", "lang": "en", "script": "Latn"}\n', encoding="utf-8")
    assert read_queries(beir)[0].id == "q9"


@pytest.mark.parametrize("suffix", [".tsv", ".json"])
def test_qrels_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"qrels{suffix}"
    write_qrels(path, QRELS)
    assert read_qrels(path) == QRELS


def test_qrels_tsv_has_beir_header(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    write_qrels(path, {"q1": {"d1": 1}})
    assert path.read_text(encoding="utf-8") == "query-id\tcorpus-id\tscore\nq1\td1\t1\n"


def test_bad_qrels_grade_names_line(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text("query-id\tcorpus-id\tscore\nq1\td1\thigh\n", encoding="utf-8")
    with pytest.raises(EvaluationFormatError, match=r"qrels.tsv:2: relevance grade must be an integer"):
        read_qrels(path)


def test_bad_jsonl_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_text('{"id": "a", "text": "x", "lang": "en", "script": "Latn"}\n\n{not json}\n', encoding="utf-8")
    with pytest.raises(EvaluationFormatError, match=r"queries.jsonl:3: not valid JSON"):
        read_jsonl(path)


def test_missing_query_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_text('{"id": "a", "text": "x", "script": "Latn"}\n', encoding="utf-8")
    with pytest.raises(EvaluationFormatError, match="missing field 'lang'"):
        read_queries(path)


def test_json_run_keeps_order_and_empty_queries(tmp_path: Path) -> None:
    run = {"q1": {"d2": 1.0, "d1": 0.5}, "q2": {}}
    path = tmp_path / "run.json"
    save_run(path, run, name="demo")
    loaded = load_run(path)
    assert loaded["q1"] == {"d2": 1.0, "d1": 0.5}
    assert loaded["q2"] == {}


def test_trec_run_round_trip(tmp_path: Path) -> None:
    run = {"q1": {"d2": 1.0, "d1": 0.5}}
    path = tmp_path / "run.trec"
    save_run(path, run, name="demo")
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0].split() == ["q1", "Q0", "d2", "1", "1.0", "demo"]
    assert load_run(path) == run


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    save_run(tmp_path / "run.json", {"q": {"d": 1.0}}, name="x")
    write_qrels(tmp_path / "qrels.tsv", QRELS)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["qrels.tsv", "run.json"]


def test_missing_run_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EvaluationFormatError, match="run file not found"):
        load_run(tmp_path / "absent.json")
