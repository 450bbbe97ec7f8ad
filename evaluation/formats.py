"""File formats of the evaluation: BEIR-style corpus/queries/qrels and ranx run files.

- corpus JSONL: one ``{"_id", "title", "text", "metadata"}`` object per line;
- queries JSONL: one ``{"id", "text", "lang", "script", ...}`` object per line
  (``_id`` is accepted on reading, as BEIR writes it);
- qrels: BEIR TSV (``query-id<TAB>corpus-id<TAB>score`` with that header) or JSON
  ``{query: {doc: grade}}``, chosen by the file suffix;
- runs: ranx ``Run.save`` as JSON (``.json``) or TREC (``.trec``/``.txt``).

Every writer is atomic (``index.durable``: temporary file, fsync, rename, folder fsync).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ranx import Run
from index.durable import atomic_replace, atomic_write_text


Qrels = dict[str, dict[str, int]]
RunDict = dict[str, dict[str, float]]

QRELS_HEADER = ("query-id", "corpus-id", "score")
TREC_SUFFIXES = {".trec", ".txt"}


class EvaluationFormatError(ValueError):
    """A file of the evaluation that cannot be read, with the place and the reason."""


@dataclass(frozen=True)
class CorpusDocument:
    id: str
    title: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    lang: str
    script: str
    metadata: dict[str, Any] = field(default_factory=dict)


# --- JSONL -------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Objects of a JSONL file; blank lines are skipped, anything else must be a JSON object."""
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise EvaluationFormatError(f"{path}:{number}: not valid JSON ({error.msg})") from error
            if not isinstance(row, dict):
                raise EvaluationFormatError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
            rows.append(row)
    return rows


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    lines = [json.dumps(dict(row), ensure_ascii=False) for row in rows]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "".join(line + "\n" for line in lines))


def _required(row: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in row:
        raise EvaluationFormatError(f"{where}: missing field {key!r}")
    return row[key]


# --- corpus --------------------------------------------------------------------------------------


def write_corpus(path: Path, documents: Iterable[CorpusDocument]) -> None:
    write_jsonl(
        path,
        ({"_id": doc.id, "title": doc.title, "text": doc.text, "metadata": doc.metadata} for doc in documents),
    )


def read_corpus(path: Path) -> list[CorpusDocument]:
    documents = []
    for number, row in enumerate(read_jsonl(path), start=1):
        where = f"{path}: document {number}"
        documents.append(
            CorpusDocument(
                id=str(_required(row, "_id", where)),
                title=str(row.get("title", "")),
                text=str(_required(row, "text", where)),
                metadata=dict(row.get("metadata") or {}),
            )
        )
    return documents


# --- queries -------------------------------------------------------------------------------------


def query_to_row(query: Query) -> dict[str, Any]:
    return {"id": query.id, "text": query.text, "lang": query.lang, "script": query.script, **query.metadata}


def write_queries(path: Path, queries: Iterable[Query]) -> None:
    write_jsonl(path, (query_to_row(query) for query in queries))


def read_queries(path: Path) -> list[Query]:
    queries = []
    for number, row in enumerate(read_jsonl(path), start=1):
        where = f"{path}: query {number}"
        query_id = row.get("id", row.get("_id"))
        if query_id is None:
            raise EvaluationFormatError(f"{where}: missing field 'id'")
        extra = {key: value for key, value in row.items() if key not in {"id", "_id", "text", "lang", "script"}}
        queries.append(
            Query(
                id=str(query_id),
                text=str(_required(row, "text", where)),
                lang=str(_required(row, "lang", where)),
                script=str(_required(row, "script", where)),
                metadata=extra,
            )
        )
    return queries


# --- qrels ---------------------------------------------------------------------------------------


def write_qrels(path: Path, qrels: Mapping[str, Mapping[str, int]]) -> None:
    """BEIR TSV for ``.tsv``, JSON otherwise."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".tsv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
        writer.writerow(QRELS_HEADER)
        for query_id, judged in qrels.items():
            for doc_id, grade in judged.items():
                writer.writerow((query_id, doc_id, int(grade)))
        atomic_write_text(path, buffer.getvalue())
    else:
        plain = {query: {doc: int(grade) for doc, grade in judged.items()} for query, judged in qrels.items()}
        atomic_write_text(path, json.dumps(plain, ensure_ascii=False, indent=1) + "\n")


def read_qrels(path: Path) -> Qrels:
    path = Path(path)
    if path.suffix == ".tsv":
        return _read_qrels_tsv(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise EvaluationFormatError(f"{path}: not valid JSON ({error.msg})") from error
    if not isinstance(data, dict) or not all(isinstance(judged, dict) for judged in data.values()):
        raise EvaluationFormatError(f"{path}: expected {{query: {{document: grade}}}}")
    return {str(query): {str(doc): _grade(grade, f"{path}: {query}") for doc, grade in judged.items()}
            for query, judged in data.items()}


def _read_qrels_tsv(path: Path) -> Qrels:
    qrels: Qrels = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for number, fields in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not fields or (number == 1 and tuple(fields) == QRELS_HEADER):
                continue
            if len(fields) != 3:
                raise EvaluationFormatError(f"{path}:{number}: expected 3 tab-separated fields, got {len(fields)}")
            query_id, doc_id, grade = fields
            qrels.setdefault(query_id, {})[doc_id] = _grade(grade, f"{path}:{number}")
    return qrels


def _grade(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise EvaluationFormatError(f"{where}: relevance grade must be an integer, got {value!r}") from error


# --- runs ----------------------------------------------------------------------------------------


def save_run(path: Path, run: Mapping[str, Mapping[str, float]], name: str) -> None:
    """Save with ranx: TREC for ``.trec``/``.txt``, JSON otherwise (empty queries survive only in JSON)."""
    path = Path(path)
    ranx_run = Run({query: dict(ranked) for query, ranked in run.items()}, name=name)
    kind = "trec" if path.suffix in TREC_SUFFIXES else "json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_replace(path) as temporary:
        ranx_run.save(str(temporary), kind=kind)


def load_run(path: Path) -> RunDict:
    path = Path(path)
    if not path.is_file():
        raise EvaluationFormatError(f"{path}: run file not found")
    kind = "trec" if path.suffix in TREC_SUFFIXES else "json"
    try:
        ranx_run = Run.from_file(str(path), kind=kind)
    except (ValueError, KeyError, IndexError, json.JSONDecodeError) as error:
        raise EvaluationFormatError(f"{path}: not a {kind} run file ({error})") from error
    return {query: dict(ranked) for query, ranked in ranx_run.to_dict().items()}
