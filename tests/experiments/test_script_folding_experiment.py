"""The Serbian-Cyrillic-to-Latin encoder wrapper and its NTREX experiment (fake encoder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from experiments.script_folding_experiment import (
    PAIR_GROUPS,
    SerbianLatinEncoder,
    encoder_text,
    is_serbian_cyrillic,
    pair_groups,
    run_experiment,
    serbian_to_latin,
)
from evaluation.ntrex import load_articles
from evaluation.ntrex_releases import article_release
from index.chunking import chunk_release
from index.sentence_views import latin_views
from index.sentences import chunk_sentences
from tests.fake_encoder import HashingEncoder

SERBIAN = "Шеф ђачког дома у Чачку је рекао да ће љубазно одговорити."
MACEDONIAN = "Шефот на ученичкиот дом во Ќустендил рече дека љубезно ќе одговори."


def test_serbian_cyrillic_becomes_latin_with_its_diacritics() -> None:
    assert serbian_to_latin(SERBIAN) == "Šef đačkog doma u Čačku je rekao da će ljubazno odgovoriti."
    assert serbian_to_latin("ЉУБАВ, WBJAST 2021") == "LJUBAV, WBJAST 2021"


def test_only_serbian_cyrillic_is_changed() -> None:
    assert is_serbian_cyrillic(SERBIAN)
    assert not is_serbian_cyrillic(MACEDONIAN)
    assert not is_serbian_cyrillic("Šef đačkog doma u Čačku")
    assert encoder_text(MACEDONIAN) == MACEDONIAN
    assert encoder_text("The head of the school said so.") == "The head of the school said so."
    assert encoder_text(SERBIAN) == serbian_to_latin(SERBIAN)


def test_the_wrapper_encodes_the_latin_form_under_its_own_model_id() -> None:
    inner = HashingEncoder(64)
    wrapped = SerbianLatinEncoder(inner)
    assert wrapped.model_id == "fake:64+sr-latin" and wrapped.dimension == 64
    vectors = wrapped.encode([SERBIAN, MACEDONIAN], "document")
    np.testing.assert_array_equal(vectors[0], inner.encode([serbian_to_latin(SERBIAN)], "document")[0])
    np.testing.assert_array_equal(vectors[1], inner.encode([MACEDONIAN], "document")[0])
    assert wrapped.transliterated == {SERBIAN}


@pytest.mark.parametrize(
    ("pair", "groups"),
    [
        ("en>sr-Cyrl", ["sr-Cyrl pairs"]),
        ("sr-Cyrl>mk", ["sr-Cyrl pairs", "sr-Cyrl and mk pairs"]),
        ("mk>sr-Cyrl", ["sr-Cyrl pairs", "sr-Cyrl and mk pairs"]),
        ("mk>hr", ["mk pairs (no sr-Cyrl)"]),
        ("bs>en", ["other pairs"]),
    ],
)
def test_pairs_are_grouped_by_the_languages_they_involve(pair: str, groups: list[str]) -> None:
    assert pair_groups(pair) == groups


def test_the_experiment_indexes_apart_and_compares_every_group(
    eval_settings, cached_fake, ntrex_dir: Path, tmp_path: Path
) -> None:
    path, rows, facts = run_experiment(eval_settings, cached_fake, ntrex_dir, [("dev", 1)], tmp_path / "out", False)
    slice_facts = facts["slices"]["dev 1 articles"]
    assert slice_facts["indexes"] == ["ntrex-dev-1", "ntrex-dev-1-sr-latin"]
    # Only the Serbian Cyrillic version's chunks and questions are transliterated.
    assert slice_facts["distinct texts transliterated (chunks and questions)"] > 0
    # Only Latin forms of Serbian Cyrillic chunks and sentences that no other text already is need the model
    # (NTREX's Latin Serbian is mostly the same text, whose vectors are cached).
    article = load_articles(ntrex_dir, 1)[0]

    def texts(release) -> set[str]:  # noqa: ANN001
        chunks = chunk_release(release)
        return {chunk.text for chunk in chunks} | {s.text for c in chunks for s in chunk_sentences(c, release.text)}

    others = [article_release(article, tag).release for tag in ("en", "bs", "hr", "sr-Latn", "mk")]
    known = set().union(*(texts(release) for release in others))
    cyrillic = article_release(article, "sr-Cyrl").release
    latin = {serbian_to_latin(text) for text in texts(cyrillic)}
    # the first index already holds Latin views of the Cyrillic sentences (index.sentence_views)
    known |= {view.text for c in chunk_release(cyrillic) for view in latin_views(c, chunk_sentences(c, cyrillic.text))}
    assert len(latin - known) < len(latin)
    assert slice_facts["texts of the sr-latin index through the model"] == len(latin - known)
    assert {(row.task, row.group) for row in rows} == {
        (task, group) for task in ("headline", "passage") for group in ("all pairs", *PAIR_GROUPS)
    }
    counts = {(row.task, row.group): row.n for row in rows}
    assert counts[("headline", "all pairs")] == 30 and counts[("headline", "sr-Cyrl pairs")] == 10
    assert counts[("headline", "sr-Cyrl and mk pairs")] == 2
    assert counts[("headline", "mk pairs (no sr-Cyrl)")] == 8 and counts[("headline", "other pairs")] == 12
    # Pairs without sr-Cyrl see the same vectors on both sides, so the same scores.
    for group in ("mk pairs (no sr-Cyrl)", "other pairs"):
        unchanged = next(row for row in rows if (row.task, row.group) == ("headline", group))
        assert unchanged.plain == unchanged.latin and unchanged.p_value == 1.0
    assert "sr-Cyrl pairs" in path.read_text(encoding="utf-8")
