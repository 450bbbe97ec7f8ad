"""The ``chunks.sqlite`` file of a generation: releases and their chunks.

Written once while a generation is staged (rollback journal, so the file is
complete when closed), then opened read-only and immutable by readers.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.pages import PageRange, page_range
from corpus.release import Release
from index.chunking import Chunk
from index.sentences import Sentence
from index.filters import LANGUAGE_FILTERS
from index.vector_store import ChunkEntry

SQL_BATCH = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS releases (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    date TEXT,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    text TEXT NOT NULL,
    languages TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    declared_languages TEXT NOT NULL DEFAULT '',
    page_starts TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    release_id TEXT NOT NULL REFERENCES releases(id),
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    language TEXT NOT NULL,
    script TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_release ON chunks(release_id);
CREATE INDEX IF NOT EXISTS chunks_by_language ON chunks(language, script);
"""



@dataclass(frozen=True)
class ChunkRecord:
    """A chunk joined with its release's citation fields."""

    chunk: Chunk
    title: str
    date: dt.date | None
    source: str
    pages: PageRange | None = None  # (first, last) page of a PDF release's chunk


def open_writable(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.executescript(SCHEMA)
    connection.executescript(SENTENCE_SCHEMA)
    return connection


def open_readonly(path: Path) -> sqlite3.Connection:
    """Read-only and immutable: generations never change once committed."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def insert_release(
    connection: sqlite3.Connection, release: Release, content_hash: str, chunks: Sequence[Chunk]
) -> None:
    if not has_declared_languages(connection):  # a copy of an older generation's file, being updated
        connection.execute("ALTER TABLE releases ADD COLUMN declared_languages TEXT NOT NULL DEFAULT ''")
    if not has_page_starts(connection):
        connection.execute("ALTER TABLE releases ADD COLUMN page_starts TEXT NOT NULL DEFAULT ''")
    connection.execute(
        "INSERT INTO releases (id, title, date, source, path, text, languages, content_hash, declared_languages, "
        "page_starts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            release.id,
            release.title,
            release.date.isoformat() if release.date else None,
            release.source,
            release.path,
            release.text,
            json.dumps(list(release.languages)),
            content_hash,
            json.dumps(list(release.declared_languages)),
            json.dumps(list(release.page_starts)) if release.page_starts else "",
        ),
    )
    connection.executemany(
        'INSERT INTO chunks (id, release_id, ordinal, start, "end", text, language, script) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(c.id, c.release_id, c.ordinal, c.start, c.end, c.text, c.language, c.script) for c in chunks],
    )


def release_columns(connection: sqlite3.Connection, schema: str = "main") -> list[str]:
    """Column names of the ``releases`` table in ``schema`` (an attached database's name, or main)."""
    return [row[1] for row in connection.execute(f"PRAGMA {schema}.table_info(releases)")]


def has_declared_languages(connection: sqlite3.Connection) -> bool:
    """Whether the releases table stores each release's declared languages.

    Generations written before the column existed lack it; they open and answer as if no
    release declared any, and the next ``assistant index build`` rewrites the releases
    that do declare some (their content hash covers the declared languages).
    """
    return "declared_languages" in release_columns(connection)


def declared_languages(connection: sqlite3.Connection, release_id: str) -> tuple[str, ...]:
    """Language tags the release's front matter declared when it was indexed.

    () when it declared none, is not in this generation, or the generation predates
    the column (see :func:`has_declared_languages`).
    """
    if not has_declared_languages(connection):
        return ()
    row = connection.execute("SELECT declared_languages FROM releases WHERE id = ?", (release_id,)).fetchone()
    if row is None or not row[0]:
        return ()
    tags = json.loads(row[0])
    return tuple(str(tag) for tag in tags) if isinstance(tags, list) else ()


def has_page_starts(connection: sqlite3.Connection) -> bool:
    """Whether the releases table stores page starts (generations before PDF support lack it: no pages)."""
    return "page_starts" in release_columns(connection)


def page_starts_of(connection: sqlite3.Connection, release_id: str) -> tuple[int, ...]:
    """Offsets where each page of the release begins; () for releases without pages."""
    if not has_page_starts(connection):
        return ()
    row = connection.execute("SELECT page_starts FROM releases WHERE id = ?", (release_id,)).fetchone()
    return _page_starts(row[0]) if row else ()


def _page_starts(raw: str | None) -> tuple[int, ...]:
    if not raw:
        return ()
    values = json.loads(raw)
    return tuple(int(value) for value in values) if isinstance(values, list) else ()


def delete_releases(connection: sqlite3.Connection, release_ids: Iterable[str]) -> None:
    ids = [(release_id,) for release_id in release_ids]
    connection.executemany("DELETE FROM sentences WHERE release_id = ?", ids)
    connection.executemany("DELETE FROM chunks WHERE release_id = ?", ids)
    connection.executemany("DELETE FROM releases WHERE id = ?", ids)


def release_hashes(connection: sqlite3.Connection) -> dict[str, str]:
    return dict(connection.execute("SELECT id, content_hash FROM releases"))


def chunk_ids_of(connection: sqlite3.Connection, release_ids: Sequence[str]) -> list[int]:
    rows = _rows_where(connection, "SELECT id FROM chunks WHERE release_id IN ({})", list(release_ids))
    return [int(chunk) for (chunk,) in rows]


def counts(connection: sqlite3.Connection) -> tuple[int, int]:
    """(releases, chunks)."""
    (releases,) = connection.execute("SELECT COUNT(*) FROM releases").fetchone()
    (chunks,) = connection.execute("SELECT COUNT(*) FROM chunks").fetchone()
    return int(releases), int(chunks)


def iter_chunks(connection: sqlite3.Connection) -> Iterator[Chunk]:
    rows = connection.execute(
        'SELECT id, release_id, ordinal, start, "end", text, language, script FROM chunks ORDER BY release_id, ordinal'
    )
    for row in rows:
        yield Chunk(*row)


def chunk_release_ids(connection: sqlite3.Connection) -> list[tuple[int, str]]:
    """(chunk id, release id) of every chunk, by release id then chunk order."""
    rows = connection.execute("SELECT id, release_id FROM chunks ORDER BY release_id, ordinal")
    return [(int(chunk_id), release_id) for chunk_id, release_id in rows]


def iter_entries(connection: sqlite3.Connection) -> Iterator[ChunkEntry]:
    """Every chunk's vector-store entry (id, release, language, script, release date)."""
    rows = connection.execute(
        "SELECT c.id, c.release_id, c.language, c.script, r.date FROM chunks c JOIN releases r ON r.id = c.release_id"
    )
    for chunk_id, release_id, language, script, date in rows:
        yield ChunkEntry(chunk_id, release_id, language, script, dt.date.fromisoformat(date) if date else None)


def present_ids(connection: sqlite3.Connection, chunk_ids: Sequence[int]) -> set[int]:
    """The ones among ``chunk_ids`` that this database holds."""
    rows = _rows_where(connection, "SELECT id FROM chunks WHERE id IN ({})", [int(i) for i in chunk_ids])
    return {int(chunk) for (chunk,) in rows}


def select_chunk_ids(
    connection: sqlite3.Connection,
    languages: Iterable[str] = (),
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    release_ids: Iterable[str] = (),
) -> np.ndarray:
    """Ids (int64) of the chunks that pass every given filter; an empty filter does not restrict."""
    clauses: list[str] = []
    params: list[object] = []
    language_clauses = []
    for tag in sorted(set(languages)):
        if tag not in LANGUAGE_FILTERS:
            raise ValueError(f"unknown language filter {tag!r}; use one of {', '.join(LANGUAGE_FILTERS)}")
        languages_matched, script = LANGUAGE_FILTERS[tag]
        condition = f"c.language IN ({','.join('?' * len(languages_matched))})"
        params.extend(languages_matched)
        if script is None:
            language_clauses.append(f"({condition})")
        else:
            language_clauses.append(f"({condition} AND c.script = ?)")
            params.append(script)
    if language_clauses:
        clauses.append("(" + " OR ".join(language_clauses) + ")")
    if date_from is not None:
        clauses.append("r.date >= ?")
        params.append(date_from.isoformat())
    if date_to is not None:
        clauses.append("r.date <= ?")
        params.append(date_to.isoformat())
    wanted = sorted(set(release_ids))
    if wanted:
        clauses.append(f"c.release_id IN ({','.join('?' * len(wanted))})")
        params.extend(wanted)
    where = " AND ".join(clauses) or "1"
    rows = connection.execute(f"SELECT c.id FROM chunks c JOIN releases r ON r.id = c.release_id WHERE {where}", params)
    return np.fromiter((row[0] for row in rows), dtype=np.int64)


def chunk_records(connection: sqlite3.Connection, chunk_ids: Sequence[int]) -> dict[int, ChunkRecord]:
    records: dict[int, ChunkRecord] = {}
    pages = "r.page_starts" if has_page_starts(connection) else "''"
    for offset in range(0, len(chunk_ids), SQL_BATCH):
        batch = [int(i) for i in chunk_ids[offset : offset + SQL_BATCH]]
        marks = ",".join("?" * len(batch))
        rows = connection.execute(
            'SELECT c.id, c.release_id, c.ordinal, c.start, c."end", c.text, c.language, c.script, '
            f"r.title, r.date, r.source, {pages} FROM chunks c JOIN releases r ON r.id = c.release_id "
            f"WHERE c.id IN ({marks})",
            batch,
        )
        for *chunk_fields, title, date, source, page_starts in rows:
            chunk = Chunk(*chunk_fields)
            records[chunk.id] = ChunkRecord(
                chunk,
                title,
                dt.date.fromisoformat(date) if date else None,
                source,
                page_range(_page_starts(page_starts), chunk.start, chunk.end),
            )
    return records


# Every chunk's sentences (``index.sentences.chunk_sentences``), whose vectors the sentence store holds;
# ``view`` marks a second vector of a sentence in another script (``index.sentence_views``).
SENTENCE_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentences (
    id INTEGER PRIMARY KEY,
    chunk_id INTEGER NOT NULL REFERENCES chunks(id),
    release_id TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    headline INTEGER NOT NULL DEFAULT 0,
    view INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sentences_by_chunk ON sentences(chunk_id);
CREATE INDEX IF NOT EXISTS sentences_by_release ON sentences(release_id);
"""


def has_sentences(connection: sqlite3.Connection) -> bool:
    """Whether the database has the sentence table (generations before sentence vectors lack it)."""
    row = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sentences'").fetchone()
    return row is not None


def has_sentence_views(connection: sqlite3.Connection) -> bool:
    """Whether the sentence table has the ``view`` column (generations before script views lack it)."""
    return any(row[1] == "view" for row in connection.execute("PRAGMA table_info(sentences)"))


def insert_sentences(connection: sqlite3.Connection, release_id: str, sentences: Sequence[Sentence]) -> None:
    connection.executemany(
        'INSERT INTO sentences (id, chunk_id, release_id, start, "end", headline, view) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [(s.id, s.chunk_id, release_id, s.start, s.end, int(s.headline), int(s.view)) for s in sentences],
    )


def sentence_count(connection: sqlite3.Connection) -> int:
    if not has_sentences(connection):
        return 0
    (count,) = connection.execute("SELECT COUNT(*) FROM sentences").fetchone()
    return int(count)


def sentence_ids_of(connection: sqlite3.Connection, release_ids: Sequence[str]) -> list[int]:
    rows = _rows_where(connection, "SELECT id FROM sentences WHERE release_id IN ({})", list(release_ids))
    return [int(sentence) for (sentence,) in rows]


def present_sentence_ids(connection: sqlite3.Connection, sentence_ids: Sequence[int]) -> set[int]:
    """The ones among ``sentence_ids`` that this database holds."""
    rows = _rows_where(connection, "SELECT id FROM sentences WHERE id IN ({})", [int(i) for i in sentence_ids])
    return {int(sentence) for (sentence,) in rows}


def sentence_chunks(connection: sqlite3.Connection, sentence_ids: Sequence[int]) -> dict[int, int]:
    """Sentence id -> its chunk's id, for the sentences this database holds."""
    rows = _rows_where(connection, "SELECT id, chunk_id FROM sentences WHERE id IN ({})", [int(i) for i in sentence_ids])
    return {int(sentence): int(chunk) for sentence, chunk in rows}


def sentences_of_chunks(
    connection: sqlite3.Connection, chunk_ids: Sequence[int]
) -> dict[int, list[tuple[int, int, int, bool]]]:
    """Chunk id -> its sentences as (sentence id, start, end, headline) in text order (release offsets)."""
    query = 'SELECT chunk_id, id, start, "end", headline FROM sentences WHERE chunk_id IN ({}) ORDER BY chunk_id, start'
    found: dict[int, list[tuple[int, int, int, bool]]] = {}
    for chunk_id, sentence_id, start, end, headline in _rows_where(connection, query, [int(i) for i in chunk_ids]):
        found.setdefault(int(chunk_id), []).append((int(sentence_id), int(start), int(end), bool(headline)))
    return found


def sentence_spans_of(connection: sqlite3.Connection, release_ids: Sequence[str]) -> list[tuple[str, int, int, int]]:
    """(release id, sentence id, start, end) of every sentence of these releases, in text order; a
    sentence's vector in another script (a view) is left out."""
    own = "view = 0 AND " if has_sentence_views(connection) else ""
    query = f'SELECT release_id, id, start, "end" FROM sentences WHERE {own}release_id IN ({{}}) ORDER BY release_id, start'
    rows = _rows_where(connection, query, list(release_ids))
    return [(str(release), int(sentence), int(start), int(end)) for release, sentence, start, end in rows]


def chunk_ids_by_release(connection: sqlite3.Connection, release_ids: Sequence[str]) -> list[tuple[int, str]]:
    """(chunk id, release id) of every chunk of these releases."""
    rows = _rows_where(connection, "SELECT id, release_id FROM chunks WHERE release_id IN ({})", list(release_ids))
    return [(int(chunk), str(release)) for chunk, release in rows]


def iter_sentence_entries(connection: sqlite3.Connection) -> Iterator[ChunkEntry]:
    """Every sentence's vector-store entry: its id with its chunk's filter fields."""
    rows = connection.execute(
        "SELECT s.id, s.release_id, c.language, c.script, r.date FROM sentences s "
        "JOIN chunks c ON c.id = s.chunk_id JOIN releases r ON r.id = s.release_id"
    )
    for sentence_id, release_id, language, script, date in rows:
        yield ChunkEntry(sentence_id, release_id, language, script, dt.date.fromisoformat(date) if date else None)


def _rows_where(connection: sqlite3.Connection, query: str, values: list) -> list[tuple]:
    """``query`` (one ``IN ({})`` placeholder) run over ``values`` in batches of ``SQL_BATCH``."""
    found: list[tuple] = []
    for offset in range(0, len(values), SQL_BATCH):
        batch = values[offset : offset + SQL_BATCH]
        found.extend(connection.execute(query.format(",".join("?" * len(batch))), batch))
    return found
