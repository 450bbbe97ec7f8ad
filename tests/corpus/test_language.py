from __future__ import annotations

from pathlib import Path

import pytest

from corpus.boilerplate import clean_corpus_texts
from corpus.language import LABELS, LanguageGuess, detect_languages, family_of, script_of
from corpus.paragraphs import split_paragraphs

SERBIAN_CYRILLIC = [
    "Међународна организација за миграције организовала је састанак шефова граничних полиција.",
    "Састанак је одржан у Београду у петак, а учесници су разговарали о сарадњи.",
    "Влада Србије усвојила је нову стратегију за управљање миграцијама.",
]
MACEDONIAN = [
    "Меѓународната организација за миграции го организираше состанокот на шефовите на граничните полиции.",
    "Состанокот се одржа во Скопје во петокот, а учесниците разговараа за соработката.",
    "Владата на Северна Македонија усвои нова стратегија за управување со миграциите.",
]
ENGLISH = "The meeting of border police chiefs was held in Budva and focused on readmission."
BOSNIAN = "Sastanak šefova graničnih policija održan je u Budvi, a učesnici su razgovarali o saradnji i readmisiji."


def paragraphs_of(text: str) -> list[str]:
    return [text[start:end] for start, end in split_paragraphs(text)]


@pytest.fixture(scope="module")
def seed_paragraphs(seed_texts: dict[str, str]) -> dict[str, list[str]]:
    return {key: paragraphs_of(text) for key, text in clean_corpus_texts(seed_texts).items()}


def test_script_of() -> None:
    assert script_of("Ово је текст") == "Cyrl"
    assert script_of("Ovo je tekst čćž") == "Latn"
    assert script_of("IOM у Скопју") == "Cyrl"
    assert script_of("2019 – 2022 ***") == "Zyyy"


def test_family_of() -> None:
    assert [family_of(label) for label in LABELS] == ["en", "sh", "sh", "sh", "mk", "other"]


@pytest.mark.parametrize("text", SERBIAN_CYRILLIC)
def test_serbian_cyrillic_sentences(text: str) -> None:
    [guess] = detect_languages([text])
    assert (guess.language, guess.script, guess.family) == ("sr", "Cyrl", "sh")


@pytest.mark.parametrize("text", MACEDONIAN)
def test_macedonian_sentences(text: str) -> None:
    [guess] = detect_languages([text])
    assert (guess.language, guess.script, guess.family) == ("mk", "Cyrl", "mk")


def test_serbian_only_letters_override_the_detector(ntrex_dir: Path) -> None:
    sentence = (ntrex_dir / "full.ref.srp-Cyrl.txt").read_text(encoding="utf-8").split("\n")[78]
    assert "ђ" in sentence
    [guess] = detect_languages([sentence])
    assert guess.detected == "mk"  # lingua's raw guess is kept...
    assert guess.language == "sr"  # ...but ђ only exists in Serbian


def test_seed_004_has_bosnian_and_english_paragraphs(seed_paragraphs: dict[str, list[str]]) -> None:
    paragraphs = seed_paragraphs["004_f989c1507365e94f"]
    guesses = dict(zip(paragraphs, detect_languages(paragraphs), strict=True))
    bosnian = next(text for text in paragraphs if text.startswith("17. maja 2019. godine"))
    english = next(text for text in paragraphs if text.startswith("On 17 May 2019, IOM organized"))
    assert (guesses[bosnian].language, guesses[bosnian].family) == ("bs", "sh")
    assert guesses[english].language == "en"
    assert guesses["Wednesday, May 22, 2019"].language == "en"


def test_seed_001_is_macedonian_cyrillic(seed_paragraphs: dict[str, list[str]]) -> None:
    guesses = detect_languages(seed_paragraphs["001_2921fb23076379c6"])
    assert {(guess.language, guess.script) for guess in guesses} == {("mk", "Cyrl")}


def test_seed_003_english_body_with_bosnian_last_line(seed_paragraphs: dict[str, list[str]]) -> None:
    guesses = detect_languages(seed_paragraphs["003_66eed8faacc8aaff"])
    assert {guess.language for guess in guesses[:-1]} == {"en"}
    assert guesses[-1].family == "sh"


def test_one_sh_language_per_release_while_raw_guesses_differ(seed_paragraphs: dict[str, list[str]]) -> None:
    guesses = detect_languages(seed_paragraphs["000_83b26767b1992471"])
    assert {guess.language for guess in guesses} == {"bs"}
    assert {guess.detected for guess in guesses} == {"bs", "hr"}


def test_short_paragraphs_inherit_from_neighbours() -> None:
    guesses = detect_languages(["IOM", ENGLISH, "Budva", "2019", BOSNIAN, "IOM"])
    assert [guess.language for guess in guesses] == ["en", "en", "en", "en", "bs", "bs"]
    assert guesses[3].script == "Zyyy"


def test_other_languages_are_reachable() -> None:
    german = "Das Treffen der Grenzpolizei fand in Budva statt und befasste sich mit der Rückübernahme."
    [guess] = detect_languages([german])
    assert (guess.language, guess.family, guess.detected) == ("other", "other", "de")


def test_unknown_script_is_other_not_inherited() -> None:
    greek = "Η συνάντηση των αρχηγών της συνοριακής αστυνομίας πραγματοποιήθηκε στη Βούδβα."
    guesses = detect_languages([ENGLISH, greek])
    assert [guess.language for guess in guesses] == ["en", "other"]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("sr-Cyrl", ("sr", "Cyrl")), ("sr-Latn", ("sr", "Latn")), ("cnr", ("sr", "Latn")), ("hr", ("hr", "Latn"))],
)
def test_single_declared_language_labels_everything(tag: str, expected: tuple[str, str]) -> None:
    guesses = detect_languages([BOSNIAN, ENGLISH], [tag])
    assert guesses == [LanguageGuess(expected[0], expected[1], "sh", tag, 1.0)] * 2


def test_declared_languages_restrict_detection() -> None:
    guesses = detect_languages([BOSNIAN, ENGLISH, MACEDONIAN[0]], ["hr", "en"])
    assert [guess.language for guess in guesses][:2] == ["hr", "en"]
    assert guesses[2].language in {"hr", "en"}


def test_declared_latin_serbian_is_not_mistaken_for_english() -> None:
    # Lingua's Serbian model is Cyrillic only; Bosnian/Croatian models must stand in for Latin Serbian.
    guesses = detect_languages([BOSNIAN, ENGLISH], ["sr-Latn", "en"])
    assert [(guess.language, guess.script) for guess in guesses] == [("sr", "Latn"), ("en", "Latn")]


def test_declared_serbian_scripts_follow_the_text() -> None:
    guesses = detect_languages([SERBIAN_CYRILLIC[0], BOSNIAN], ["sr-Cyrl", "sr-Latn"])
    assert [(guess.language, guess.script) for guess in guesses] == [("sr", "Cyrl"), ("sr", "Latn")]


def test_no_paragraphs() -> None:
    assert detect_languages([]) == []


def ntrex_lines(ntrex_dir: Path, name: str, count: int = 200) -> list[str]:
    return (ntrex_dir / name).read_text(encoding="utf-8").split("\n")[:count]


@pytest.mark.parametrize(("name", "expected"), [("full.ref.srp-Cyrl.txt", "sr"), ("full.ref.mkd.txt", "mk")])
def test_ntrex_serbian_cyrillic_vs_macedonian(ntrex_dir: Path, name: str, expected: str) -> None:
    labels = [detect_languages([line])[0].language for line in ntrex_lines(ntrex_dir, name)]
    assert labels.count(expected) >= 196


@pytest.mark.parametrize("name", ["full.ref.bos.txt", "full.ref.hrv.txt", "full.ref.srp-Latn.txt"])
def test_ntrex_latin_south_slavic_lands_in_the_sh_family(ntrex_dir: Path, name: str) -> None:
    guesses = [detect_languages([line])[0] for line in ntrex_lines(ntrex_dir, name)]
    assert sum(guess.family == "sh" and guess.script == "Latn" for guess in guesses) >= 196
