from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from index.lexical import CHUNK_IDS_FILE, MANIFEST_FILE, LexicalIndex, LexicalIndexError

CHUNKS = [
    (10, "Enes Karić je govorio o saradnji graničnih policija.", "bs"),
    (11, "The European Union donated equipment worth 170,900 KM to the directorate.", "en"),
    (12, "Састанак шефова граничне полиције одржан је у Будви.", "sr"),
    (13, "Проектот WBCAP го финансира Министерството за надворешни работи на Данска.", "mk"),
    (14, "Europska unija donirala je opremu ravnateljstvu policije.", "hr"),
    (15, "A short note about migration flows.", "en"),
]


@dataclass(frozen=True)
class FakeChunk:
    id: int
    text: str
    language: str | None


@pytest.fixture
def index() -> LexicalIndex:
    return LexicalIndex.build(CHUNKS)


def ids(hits: list[tuple[int, float]]) -> list[int]:
    return [chunk_id for chunk_id, _ in hits]


def test_a_cyrillic_name_finds_the_latin_chunk(index: LexicalIndex) -> None:
    assert ids(index.search("Карић", 5)) == [10]


def test_an_ascii_spelling_finds_the_chunk_with_diacritics(index: LexicalIndex) -> None:
    assert ids(index.search("karic", 5)) == [10]


def test_a_cyrillic_only_query_returns_the_cyrillic_chunk(index: LexicalIndex) -> None:
    assert ids(index.search("Будви", 5)) == [12]


def test_a_latin_query_finds_a_serbian_cyrillic_chunk(index: LexicalIndex) -> None:
    assert ids(index.search("Budva", 5)) == [12]


def test_an_acronym_in_an_english_query_finds_the_macedonian_chunk(index: LexicalIndex) -> None:
    assert ids(index.search("What is WBCAP?", 5)) == [13]


@pytest.mark.parametrize("amount", ["170.900 KM", "170,900", "170900"])
def test_amounts_match_whatever_their_separators(index: LexicalIndex, amount: str) -> None:
    assert ids(index.search(amount, 5))[0] == 11


def test_results_are_sorted_by_positive_score(index: LexicalIndex) -> None:
    hits = index.search("granične policije", 10)
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)
    # "policija/policije/полиције" share a stem across bs, sr-Cyrl and hr.
    assert set(ids(hits)) == {10, 12, 14}


def test_search_truncates_to_k(index: LexicalIndex) -> None:
    full = index.search("granične policije", 10)
    assert index.search("granične policije", 2) == full[:2]


def test_allowed_ids_filter_before_taking_the_top_k(index: LexicalIndex) -> None:
    unfiltered = ids(index.search("granične policije", 10))
    weakest = unfiltered[-1]
    # With k=1 the weakest match is still found when it is the only allowed chunk.
    assert ids(index.search("granične policije", 1, allowed_ids={weakest, 15})) == [weakest]


def test_allowed_ids_may_name_unknown_chunks(index: LexicalIndex) -> None:
    assert index.search("Karić", 5, allowed_ids={999}) == []
    assert index.search("Karić", 5, allowed_ids=set()) == []


def test_a_query_without_known_words_returns_nothing(index: LexicalIndex) -> None:
    assert index.search("xylophone", 5) == []
    assert index.search("?!", 5) == []


def test_k_must_be_positive(index: LexicalIndex) -> None:
    with pytest.raises(ValueError, match="k must be positive"):
        index.search("Karić", 0)


def test_equal_scores_are_ordered_by_chunk_id() -> None:
    twins = LexicalIndex.build([(7, "Sarajevo danas", "bs"), (3, "Sarajevo danas", "bs"), (5, "Mostar", "bs")])
    assert ids(twins.search("Sarajevo", 1)) == [3]
    assert ids(twins.search("Sarajevo", 5)) == [3, 7]


def test_build_accepts_chunk_objects() -> None:
    built = LexicalIndex.build([FakeChunk(1, "Ѓорѓе Петров", "mk"), FakeChunk(2, "Marko Marković", None)])
    assert built.chunk_ids == (1, 2)
    assert ids(built.search("Gjorgje", 5)) == [1]


def test_build_rejects_duplicate_and_non_integer_ids() -> None:
    with pytest.raises(ValueError, match="unique"):
        LexicalIndex.build([(1, "a text", "en"), (1, "another text", "en")])
    with pytest.raises(TypeError, match="chunk id must be an integer"):
        LexicalIndex.build([("1", "a text", "en")])
    with pytest.raises(ValueError, match="chunk_id, text, language"):
        LexicalIndex.build([(1, "a text")])


def test_an_index_without_any_words_searches_to_nothing(tmp_path: Path) -> None:
    empty = LexicalIndex.build([(1, "", "en"), (2, "!!", "en")])
    assert empty.search("anything", 5) == []
    empty.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.chunk_ids == (1, 2)
    assert loaded.search("anything", 5) == []


def test_save_and_load_round_trip(index: LexicalIndex, tmp_path: Path) -> None:
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.chunk_ids == index.chunk_ids
    for query in ["Карић", "granične policije", "170.900 KM", "WBCAP"]:
        assert loaded.search(query, 10) == index.search(query, 10)
    assert loaded.search("policije", 10, allowed_ids={14}) == index.search("policije", 10, allowed_ids={14})


def test_load_of_an_empty_directory_says_nothing_is_there(tmp_path: Path) -> None:
    with pytest.raises(LexicalIndexError, match="no lexical index"):
        LexicalIndex.load(tmp_path)


def test_load_reports_a_missing_file(index: LexicalIndex, tmp_path: Path) -> None:
    index.save(tmp_path)
    (tmp_path / CHUNK_IDS_FILE).unlink()
    with pytest.raises(LexicalIndexError, match="missing.*chunk_ids.npy"):
        LexicalIndex.load(tmp_path)


def test_load_reports_a_corrupt_file(index: LexicalIndex, tmp_path: Path) -> None:
    index.save(tmp_path)
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text(encoding="utf-8"))
    victim = tmp_path / next(name for name in manifest["files"] if name != CHUNK_IDS_FILE)
    data = bytearray(victim.read_bytes())
    data[-1] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(LexicalIndexError, match="corrupt"):
        LexicalIndex.load(tmp_path)


def test_load_reports_an_unreadable_manifest(index: LexicalIndex, tmp_path: Path) -> None:
    index.save(tmp_path)
    (tmp_path / MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(LexicalIndexError, match="manifest is unreadable"):
        LexicalIndex.load(tmp_path)


def test_load_refuses_an_index_from_another_tokenizer(index: LexicalIndex, tmp_path: Path) -> None:
    index.save(tmp_path)
    path = tmp_path / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["tokenizer_version"] = -1
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(LexicalIndexError, match="rebuild"):
        LexicalIndex.load(tmp_path)


def test_save_overwrites_an_earlier_index_in_the_same_directory(index: LexicalIndex, tmp_path: Path) -> None:
    index.save(tmp_path)
    LexicalIndex.build([(99, "Mostar", "bs")]).save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.chunk_ids == (99,)
    assert ids(loaded.search("Mostar", 5)) == [99]


def test_allowed_ids_map_to_the_right_chunks_whatever_the_id_order() -> None:
    shuffled = LexicalIndex.build([(30, "Mostar most", "bs"), (10, "Mostar grad", "bs"), (20, "Mostar danas", "bs")])
    # Ids below, between and above the indexed ones are ignored.
    assert ids(shuffled.search("Mostar", 5, allowed_ids={5, 20, 25, 40})) == [20]
    assert sorted(ids(shuffled.search("Mostar", 5, allowed_ids={30, 10}))) == [10, 30]


def test_load_reports_a_manifest_missing_keys(index: LexicalIndex, tmp_path: Path) -> None:
    index.save(tmp_path)
    (tmp_path / MANIFEST_FILE).write_text(json.dumps({"format": "something else"}), encoding="utf-8")
    with pytest.raises(LexicalIndexError, match="missing format_version"):
        LexicalIndex.load(tmp_path)
