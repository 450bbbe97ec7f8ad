"""Latin views of Serbian Cyrillic sentences: stored beside the sentences, scored as one sentence."""

from __future__ import annotations

import pytest

from index import chunk_db
from index.build import build_index
from index.chunking import chunk_release
from index.encoder import DOCUMENT_PROMPT, QUERY_PROMPT
from index.search import Searcher
from index.sentence_views import latin_views, view_id, with_views
from index.sentences import chunk_sentences, sentence_id
from index.settings import Settings
from index.store import open_index
from tests.fake_encoder import HashingEncoder
from tests.index.conftest import make_release

CYRILLIC = "Састанак је одржан у Будви. Финансирала га је Данска."
LATIN = "Sastanak je održan u Budvi. Finansirala ga je Danska."


def cyrillic_release():
    return make_release("sr-cyrl", [(CYRILLIC, "sr", "Cyrl"), ("IOM, UNHCR.", "sr", "Cyrl")])


def test_a_serbian_cyrillic_chunk_gets_a_latin_view_of_each_sentence_with_its_offsets() -> None:
    release = cyrillic_release()
    (chunk,) = chunk_release(release)
    sentences = chunk_sentences(chunk, release.text)
    views = latin_views(chunk, sentences)
    assert [view.text for view in views] == ["Sastanak je održan u Budvi.", "Finansirala ga je Danska."]
    assert [(view.start, view.end, view.headline) for view in views] == [
        (s.start, s.end, s.headline) for s in sentences if s.text != "IOM, UNHCR."
    ]  # a sentence without Cyrillic letters is the same in both scripts: no view
    assert all(view.view and view.chunk_id == chunk.id for view in views)
    assert not {view.id for view in views} & {s.id for s in sentences}
    assert views[0].id == view_id(chunk.id, views[0].start, views[0].end) != sentence_id(chunk.id, views[0].start, views[0].end)


@pytest.mark.parametrize(("language", "script"), [("sr", "Latn"), ("mk", "Cyrl"), ("bs", "Latn"), ("en", "Latn")])
def test_other_languages_and_scripts_get_no_view(language: str, script: str) -> None:
    release = make_release("other", [(CYRILLIC, language, script)])
    (chunk,) = chunk_release(release)
    sentences = chunk_sentences(chunk, release.text)
    assert latin_views(chunk, sentences) == [] and with_views(chunk, sentences) == sentences


@pytest.fixture
def built(settings: Settings, fake_encoder: HashingEncoder):
    build_index(settings, fake_encoder, [cyrillic_release(), make_release("en", [("Police met in Sarajevo.", "en")])], progress=False)
    index = open_index(settings.index_dir)
    yield index
    index.close()


def test_views_are_stored_with_their_flag_and_the_same_story_reads_only_sentences(built) -> None:
    rows = built.db.execute('SELECT start, "end", view FROM sentences WHERE release_id = ? ORDER BY view, start', ("sr-cyrl",)).fetchall()
    own, views = [row[:2] for row in rows if not row[2]], [row[:2] for row in rows if row[2]]
    assert len(own) == 3 and views == own[:2]
    assert len(built.sentences.vectors_of(chunk_db.sentence_ids_of(built.db, ["sr-cyrl"]))) == 5
    spans = chunk_db.sentence_spans_of(built.db, ["sr-cyrl"])
    assert [(start, end) for _, _, start, end in spans] == own


def test_a_latin_question_finds_the_cyrillic_sentence_through_its_view_and_highlights_it_once(
    built, fake_encoder: HashingEncoder
) -> None:
    searcher = Searcher(built, fake_encoder, "dense")
    (hit, *_) = searcher.search("Finansirala ga je Danska.", k=2)
    assert hit.release_id == "sr-cyrl"
    spans = [(s.start, s.end) for s in hit.sentences]
    assert len(spans) == len(set(spans)) == 3  # each sentence once, with the better of its two scores
    best = max(hit.sentences, key=lambda s: s.score)
    query = fake_encoder.encode(["Finansirala ga je Danska."], QUERY_PROMPT)[0]
    latin = fake_encoder.encode(["Finansirala ga je Danska."], DOCUMENT_PROMPT)[0]
    assert best.score == pytest.approx(float(latin @ query), abs=1e-3)  # the view's cosine (stored at float16)
    assert CYRILLIC[best.start : best.end] == "Финансирала га је Данска."


def test_an_index_from_before_views_is_rebuilt_and_then_has_them(
    settings: Settings, fake_encoder: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    releases = [cyrillic_release()]
    with monkeypatch.context() as before_views:  # the schema and rows of a generation made before views
        before_views.setattr(chunk_db, "SENTENCE_SCHEMA", chunk_db.SENTENCE_SCHEMA.replace(",\n    view INTEGER NOT NULL DEFAULT 0", ""))
        before_views.setattr("index.build.with_views", lambda chunk, sentences: list(sentences))
        old_insert = chunk_db.insert_sentences

        def insert_without_view(connection, release_id, sentences):  # noqa: ANN001, ANN202
            connection.executemany(
                'INSERT INTO sentences (id, chunk_id, release_id, start, "end", headline) VALUES (?, ?, ?, ?, ?, ?)',
                [(s.id, s.chunk_id, release_id, s.start, s.end, int(s.headline)) for s in sentences],
            )

        before_views.setattr(chunk_db, "insert_sentences", insert_without_view)
        build_index(settings, fake_encoder, releases, progress=False)
        index = open_index(settings.index_dir)
        assert not chunk_db.has_sentence_views(index.db)
        assert len(chunk_db.sentence_spans_of(index.db, ["sr-cyrl"])) == 3  # an old generation still reads
        index.close()
    assert chunk_db.insert_sentences is old_insert
    report = build_index(settings, fake_encoder, releases, progress=False)
    assert report.full_rebuild_reason == "the index has no Latin views of Serbian Cyrillic sentences yet"
    index = open_index(settings.index_dir)
    try:
        assert index.db.execute("SELECT COUNT(*) FROM sentences WHERE view = 1").fetchone() == (2,)
    finally:
        index.close()

