from __future__ import annotations

import dataclasses
import json
import logging

from assistant.answer import compose_answer, group_by_release, select_hits, source_reference, verify_quote
from index.sentences import ScoredSentence
from tests.assistant.conftest import FakeReleases, make_hit

# Two releases; every hit's text is a slice of its release text.
TEXT_A = (
    "Sarajevo, 13 July 2023 - The European Union donated equipment worth 170,900 KM. "
    "Police officers will use it in the field. "
    "The Directorate thanked the donors."
)
TEXT_B = "Budva – IOM je organizovao sastanak šefova graničnih policija. Sastanak je trajao dva dana."
RELEASES = FakeReleases({"A": TEXT_A, "B": TEXT_B})


def hit_a(chunk_id: int, start: int, end: int, score: float, rank: int):
    return make_hit(chunk_id, "A", TEXT_A[start:end], start, score, rank, title="EU donates equipment")


def hit_b(chunk_id: int, start: int, end: int, score: float, rank: int):
    return make_hit(chunk_id, "B", TEXT_B[start:end], start, score, rank, language="bs", title="Sastanak u Budvi",
                    source="press/budva.txt")


def test_quotes_are_grouped_by_release_in_order_of_their_best_hit():
    hits = [
        hit_a(1, 81, 122, 0.70, rank=1),  # second sentence of A
        hit_b(2, 0, 62, 0.69, rank=2),
        hit_a(3, 0, 80, 0.68, rank=3),  # first sentence of A
    ]
    answer = compose_answer("q", hits, releases=RELEASES, threshold=0.5)
    assert answer.status == "answered"
    assert [(quote.release_id, quote.start) for quote in answer.quotes] == [("A", 0), ("A", 81), ("B", 0)]
    assert [source.release_id for source in answer.sources] == ["A", "B"]
    assert [source.quote_count for source in answer.sources] == [2, 1]
    assert answer.message == "3 passages from 2 releases, quoted verbatim."


def test_each_quote_is_the_release_text_at_its_offsets_and_carries_its_citation():
    hits = [hit_b(7, 0, 62, 0.8, rank=1)]
    answer = compose_answer("q", hits, releases=RELEASES, threshold=0.5)
    quote = answer.quotes[0]
    assert TEXT_B[quote.start : quote.end] == quote.text
    citation = quote.citation
    assert (citation.title, citation.date, citation.language) == ("Sastanak u Budvi", "2023-07-13", "Bosnian")
    assert (citation.source, citation.link) == ("budva.txt", "")
    assert (citation.start, citation.end, citation.pages, citation.page) == (0, 62, None, "")
    assert quote.chunk_id == "7" and quote.language_tag == "bs"


def test_a_tampered_quote_is_dropped_and_logged(caplog):
    good = hit_a(1, 0, 80, 0.8, rank=1)
    tampered = make_hit(2, "B", "Budva – IOM je organizovao sastanak šefova POLICIJE.", 0, 0.79, rank=2, language="bs")
    with caplog.at_level(logging.WARNING, logger="assistant.answer"):
        answer = compose_answer("q", [good, tampered], releases=RELEASES, threshold=0.5)
    assert [quote.chunk_id for quote in answer.quotes] == ["1"]
    assert "dropped quote 2" in caplog.text


def test_quotes_of_unknown_releases_or_out_of_range_offsets_fail_verification():
    assert not verify_quote(make_hit(3, "missing", "text", 0, 0.9, 1), RELEASES)
    beyond = make_hit(4, "B", TEXT_B[-5:] + "xyz", len(TEXT_B) - 5, 0.9, 1)
    assert not verify_quote(beyond, RELEASES)
    assert verify_quote(hit_b(5, 8, 30, 0.9, 1), RELEASES)


def test_when_every_quote_fails_verification_the_answer_is_no_answer():
    tampered = make_hit(2, "B", "Not in the release at all, no.", 0, 0.9, rank=1)
    answer = compose_answer("q", [tampered], releases=RELEASES, threshold=0.5)
    assert answer.status == "no_answer" and answer.quotes == []


def test_below_the_threshold_the_reply_says_no_passage_answers_in_english_and_the_asker_language():
    hits = [hit_a(1, 0, 80, 0.31, rank=1), hit_b(2, 0, 62, 0.29, rank=2)]
    answer = compose_answer("Кога?", hits, releases=RELEASES, threshold=0.4, reply_language="mk")
    assert answer.status == "no_answer"
    assert answer.quotes == [] and answer.sources == []
    assert answer.best_score == 0.31
    assert answer.message.startswith("No passage in the press releases answers this question.")
    assert "Ниту еден пасус" in answer.message


def test_weak_hits_after_a_strong_one_are_not_quoted():
    hits = [hit_a(1, 0, 80, 0.80, rank=1), hit_b(2, 0, 62, 0.55, rank=2)]  # 0.55 < 0.8 * 0.8
    chosen = select_hits(hits, {1: 0.80, 2: 0.55}, max_quotes=3, threshold=0.4)
    assert [hit.chunk_id for hit in chosen] == [1]


def test_selection_caps_quotes_per_release_and_skips_overlapping_passages():
    hits = [
        hit_a(1, 0, 80, 0.9, rank=1),
        hit_a(2, 40, 122, 0.9, rank=2),  # overlaps chunk 1
        hit_a(3, 81, 122, 0.9, rank=3),
        hit_a(4, 123, len(TEXT_A), 0.9, rank=4),  # third from A: over the per-release cap of 2
        hit_b(5, 0, 62, 0.9, rank=5),
    ]
    chosen = select_hits(hits, {hit.chunk_id: hit.score for hit in hits}, max_quotes=5, threshold=0.4)
    assert [hit.chunk_id for hit in chosen] == [1, 3, 5]
    assert [hit.chunk_id for hit in select_hits(hits, {h.chunk_id: h.score for h in hits}, 2, 0.4)] == [1, 3]


def test_relevance_overrides_the_retrieval_score():
    # Fused (rank-based) scores are tiny; the cosine map decides.
    hits = [hit_a(1, 0, 80, 0.016, rank=1), hit_b(2, 0, 62, 0.015, rank=2)]
    answer = compose_answer("q", hits, releases=RELEASES, threshold=0.4, relevance={1: 0.62, 2: 0.58})
    assert [quote.score for quote in answer.quotes] == [0.62, 0.58]
    assert answer.best_score == 0.62


def test_group_by_release_orders_groups_by_best_rank_and_hits_by_position():
    hits = [hit_b(2, 0, 62, 0.7, rank=2), hit_a(3, 81, 122, 0.6, rank=1), hit_a(1, 0, 80, 0.5, rank=3)]
    assert [[hit.chunk_id for hit in group] for group in group_by_release(hits)] == [[1, 3], [2]]


SENTENCES_A = [(0, 79), (80, 121), (122, len(TEXT_A))]  # the three sentences of TEXT_A


def scored_a(*scores: float) -> tuple[ScoredSentence, ...]:
    return tuple(ScoredSentence(start, end, score) for (start, end), score in zip(SENTENCES_A, scores, strict=True))


def test_highlight_marks_the_best_scored_sentence_and_the_gate_uses_it():
    hit = dataclasses.replace(hit_a(1, 0, len(TEXT_A), 0.2, rank=1), sentences=scored_a(0.41, 0.72, 0.30))
    answer = compose_answer("How will police officers use it in the field?", [hit], releases=RELEASES, threshold=0.5)
    assert answer.status == "answered" and answer.best_score == 0.72  # the best sentence, not the hit's 0.2
    highlights = answer.quotes[0].highlights
    assert [TEXT_A[span.start : span.end] for span in highlights] == ["Police officers will use it in the field."]
    weak = dataclasses.replace(hit, sentences=scored_a(0.41, 0.45, 0.30), score=0.9)
    assert compose_answer("q", [weak], releases=RELEASES, threshold=0.5).status == "no_answer"


def test_highlights_can_come_from_other_sentence_scores_such_as_a_follow_up():
    hit = dataclasses.replace(hit_a(1, 0, len(TEXT_A), 0.9, rank=1), sentences=scored_a(0.41, 0.72, 0.30))
    answer = compose_answer(
        "And who was thanked?", [hit], releases=RELEASES, threshold=0.5, sentence_scores={1: scored_a(0.1, 0.2, 0.6)}
    )
    assert [TEXT_A[s.start : s.end] for s in answer.quotes[0].highlights] == ["The Directorate thanked the donors."]


def test_uncertain_sh_releases_are_cited_with_the_family_name():
    answer = compose_answer(
        "q", [hit_b(2, 0, 62, 0.9, 1)], releases=RELEASES, threshold=0.5, uncertain_language={"B"}
    )
    assert answer.quotes[0].citation.language == "Bosnian/Croatian/Serbian (Latin)"
    assert answer.sources[0].language == "Bosnian/Croatian/Serbian (Latin)"


def test_source_reference_links_urls_and_shows_only_file_names():
    assert source_reference("https://bih.iom.int/news/x", "") == ("https://bih.iom.int/news/x", "https://bih.iom.int/news/x")
    assert source_reference("", "/data/corpus/2023/release-17.html") == ("release-17.html", "")
    assert source_reference("javascript:alert(1)", "") == ("javascript:alert(1)", "")
    assert source_reference("", "") == ("", "")


def test_the_answer_serialises_to_json_with_its_structure():
    answer = compose_answer("q", [hit_b(2, 0, 62, 0.9, 1)], releases=RELEASES, threshold=0.5)
    data = json.loads(answer.to_json())
    assert data["status"] == "answered" and data["question"] == "q"
    assert data["quotes"][0]["citation"]["title"] == "Sastanak u Budvi"
    assert data["quotes"][0]["text"] == TEXT_B[0:62]
    assert data["sources"][0]["release_id"] == "B"
    assert data["other_versions"] == []


def _with_sentences(hit, *spans_and_headline):
    sentences = tuple(ScoredSentence(start, end, 0.5, headline) for start, end, headline in spans_and_headline)
    return dataclasses.replace(hit, sentences=sentences)


def test_a_title_line_alone_is_never_quoted():
    title = hit_b(1, 0, 62, 0.95, rank=1)
    title = _with_sentences(title, (0, 62, True))  # the whole passage is a headline
    body = _with_sentences(hit_b(2, 63, len(TEXT_B), 0.7, rank=2), (63, len(TEXT_B), False))
    chosen = select_hits([title, body], {1: 0.95, 2: 0.7}, max_quotes=3, threshold=0.5)
    assert [hit.chunk_id for hit in chosen] == [2]  # the body counts even below 0.8 x the title's score


def test_a_fragment_without_a_full_sentence_is_not_quoted():
    fragment = hit_b(1, 0, 40, 0.9, rank=1)  # cut mid-sentence, no end mark
    assert select_hits([fragment], {1: 0.9}, max_quotes=3, threshold=0.5) == []


def test_the_same_text_is_quoted_once_even_from_two_releases():
    twin_text = TEXT_A[0:81]
    twin = make_hit(9, "C", twin_text, 0, 0.79, rank=2, title="Copy of A")
    hits = [hit_a(1, 0, 81, 0.8, rank=1), twin, hit_b(2, 0, 62, 0.78, rank=3)]
    chosen = select_hits(hits, {1: 0.8, 9: 0.79, 2: 0.78}, max_quotes=3, threshold=0.5)
    assert [hit.chunk_id for hit in chosen] == [1, 2]
