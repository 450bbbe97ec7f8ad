from __future__ import annotations

import pytest

from corpus.boilerplate import (
    BoilerplateModel,
    clean_corpus_texts,
    clean_text,
    is_date_like,
    is_menu_like,
    normalise_line,
)

NOISE_LINES = [
    "Who We Are",
    "About",
    "IOM Global",
    "- Data and Resources",
    "- Take Action",
    "Cross-cutting (Global)",
    "Treba da znate",
    "Последни објави",
    "SDG 10 - Reduced Inequalities",
    "Date Publish:",
    "***",
    "News",
    "Local",
    "-",
]
KEPT_SENTENCES = {
    "000_83b26767b1992471": "Budva – Međunarodna organizacija za migracije (IOM) je 14. i 15. juna 2022. godine "
    "organizovala regionalni sastanak šefova graničnih policija Zapadnog Balkana.",
    "001_2921fb23076379c6": "ИОМ организираше состанок со шефовите на службите за гранични работи "
    "од земјите на Западен Балкан",
    "002_5af351b228acd468": "Za više informacija, molimo kontaktirajte IOM za Zapadni Balkan "
    "iomwesternbalkans@iom.int.",
    "003_66eed8faacc8aaff": "Evropska unija donira specijaliziranu opremu Direkciji za koordinaciju "
    "policijskih tijela BiH",
    "004_f989c1507365e94f": "Wednesday, May 22, 2019",
}


@pytest.fixture(scope="module")
def cleaned(seed_texts: dict[str, str]) -> dict[str, str]:
    return clean_corpus_texts(seed_texts)


def test_seed_noise_lines_removed(cleaned: dict[str, str], seed_texts: dict[str, str]) -> None:
    for key, text in cleaned.items():
        lines = text.split("\n")
        for noise in NOISE_LINES:
            assert noise not in lines, (key, noise)
        assert not any(line.startswith(("WHO WE ARE", "Our Work")) for line in lines), key
    assert any("SDG 10 - Reduced Inequalities" in text for text in seed_texts.values())


def test_every_kept_line_is_verbatim_from_the_seed(cleaned: dict[str, str], seed_texts: dict[str, str]) -> None:
    for key, text in cleaned.items():
        source_lines = {line.strip() for line in seed_texts[key].split("\n")}
        for line in text.split("\n"):
            assert line == "" or line in source_lines, (key, line)


def test_real_sentences_titles_and_dates_kept(cleaned: dict[str, str]) -> None:
    for key, sentence in KEPT_SENTENCES.items():
        assert sentence in cleaned[key].split("\n"), key
    assert cleaned["002_5af351b228acd468"].startswith("Borba protiv krijumčarenja migranata")
    assert cleaned["000_83b26767b1992471"].startswith("IOM je organizovao sastanak šefova")
    assert cleaned["004_f989c1507365e94f"].endswith("Security Council resolution 1244 (1999).")


def test_all_body_lines_of_seed_004_survive(cleaned: dict[str, str], seed_texts: dict[str, str]) -> None:
    body = [line.strip() for line in seed_texts["004_f989c1507365e94f"].split("\n") if len(line.split()) > 6]
    assert all(line in cleaned["004_f989c1507365e94f"] for line in body)


def test_shared_line_dropped_only_inside_navigation_blocks() -> None:
    shared = "This organisation works for humane and orderly migration across the whole region since 1992."
    body = f"Body with {shared}\n{shared}\nLast body sentence."
    first = f"News\n{shared}\nAbout\nTitle of the first release\n{body}\nMigration and border management\n{shared}"
    second = f"{shared}\nSecond release title about something\nSecond body sentence that is unique."
    cleaned = clean_corpus_texts({"a": first, "b": second})
    assert cleaned["a"] == f"Title of the first release\n{body}"
    assert cleaned["b"] == second  # no menu line around it: could be a shared sentence of two language versions


def test_line_common_to_many_releases_dropped_anywhere() -> None:
    common = "Follow us on social media for the latest news from the mission"

    def release(number: int) -> str:
        return f"Title number {number} of a release\nFirst sentence {number}.\n{common}\nLast sentence {number}."

    seven = clean_corpus_texts({str(number): release(number) for number in range(7)})
    assert seven["0"] == "Title number 0 of a release\nFirst sentence 0.\n\nLast sentence 0."
    six = clean_corpus_texts({str(number): release(number) for number in range(6)})  # e.g. six language versions
    assert six["0"] == release(0)


def test_without_corpus_only_per_file_rules_apply() -> None:
    text = "Home\nAbout\n\nMeeting in Skopje on border management\nThe meeting was held on Monday.\nShare\n"
    assert clean_text(text) == "Meeting in Skopje on border management\nThe meeting was held on Monday."


def test_dropped_and_blank_lines_become_one_blank_line() -> None:
    text = "First sentence of the body is here.\nMenu\nSecond sentence of the body.\n\n\n\nThird sentence here."
    assert (
        clean_text(text)
        == "First sentence of the body is here.\n\nSecond sentence of the body.\n\nThird sentence here."
    )


def test_tag_like_lines_only_trusted_in_the_tail() -> None:
    tag = "Migration and border police work"
    text = f"Release title with enough words\n{tag}\nBody sentence of the release.\n{tag}"
    assert (
        clean_text(text)
        == "Release title with enough words\nMigration and border police work\nBody sentence of the release."
    )


def test_declared_title_is_never_dropped() -> None:
    assert clean_text("News\nShort title\nBody sentence.", keep=["Short  title"]) == "Short title\nBody sentence."
    assert clean_text("News\nShort title\nBody sentence.") == "Body sentence."


def test_only_boilerplate_leaves_nothing() -> None:
    assert clean_text("About\n- Take Action\n***\n\nNews") == ""


def test_model_ignores_the_releases_own_earlier_version() -> None:
    shared = "A long blurb about the organisation that every page repeats in its header."
    model = BoilerplateModel.learn(
        {"a": f"Home\n{shared}\nAbout\nA title\nBody a.", "b": f"Home\n{shared}\nAbout\nOther title\nBody b."}
    )
    assert model.other_documents_with(normalise_line(shared), "a") == 1
    assert model.other_documents_with(normalise_line("Body a."), "a") == 0
    assert model.other_documents_with(normalise_line("Body a."), "new") == 1
    updated = f"Home\n{shared}\nAbout\nNew body of release a."
    assert clean_text(updated, model, key="a") == "New body of release a."
    model.add("b", "Other title\nBody b.")
    assert clean_text(updated, model, key="a") == f"{shared}\n\nNew body of release a."


def test_model_json_round_trip() -> None:
    model = BoilerplateModel.learn({"a": "One line\nTwo", "b": "Two\nThree"})
    restored = BoilerplateModel.from_json(model.to_json())
    assert restored.documents == model.documents
    assert restored.other_documents_with("two", "a") == 1


def test_normalise_line() -> None:
    assert normalise_line("  - Take   Action ") == "take action"
    assert normalise_line("WHO WE ARE.") == normalise_line("who we are")
    assert normalise_line("***") == ""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("About", True),
        ("- Data and Resources", True),
        ("Date Publish:", True),
        ("***", True),
        ("Treba da znate", True),
        ("SDG 10 - Reduced Inequalities", False),
        ("Wednesday, May 22, 2019", False),
        ("It ended.", False),
        ("Ugrizao me!“", False),
        ("Нисам.“", False),
        ("Four words in line", False),
    ],
)
def test_is_menu_like(line: str, expected: bool) -> None:
    assert is_menu_like(line) is expected


def test_is_date_like() -> None:
    assert is_date_like("17. maja 2019.")
    assert is_date_like("13/07/2023")
    assert not is_date_like("- 2030 Agenda")
    assert not is_date_like("SDG 10 - Reduced Inequalities")
