from __future__ import annotations

import pytest

from index.folding import fold_script, tokenize


@pytest.mark.parametrize("spelling", ["Карић", "Karić", "Karic", "KARIĆ", "КАРИЋ"])
def test_every_spelling_of_a_serbian_name_folds_to_the_same_word(spelling: str) -> None:
    assert fold_script(spelling) == "karic"


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("ѓ", "gj"),
        ("ќ", "kj"),
        ("ѕ", "dz"),
        ("џ", "dz"),
        ("љ", "lj"),
        ("њ", "nj"),
        ("Ѓорѓе", "gjorgje"),
        ("Ќерка", "kjerka"),
        ("ЅВЕЗДА", "dzvezda"),
    ],
)
def test_macedonian_letters_fold_to_their_latin_digraphs(cyrillic: str, latin: str) -> None:
    assert fold_script(cyrillic, "mk") == latin
    assert fold_script(cyrillic) == latin  # unknown language: the letters decide


def test_serbian_letters_and_their_latin_spellings_agree() -> None:
    assert fold_script("Ђорђе Ћирић џамија", "sr") == "djordje ciric dzamija"
    assert fold_script("Đorđe Ćirić džamija") == "djordje ciric dzamija"
    assert fold_script("Djordje Ciric dzamija") == "djordje ciric dzamija"


def test_macedonian_latin_spellings_match_the_cyrillic() -> None:
    assert fold_script("Меѓународната") == fold_script("Megjunarodnata") == fold_script("Meǵunarodnata")


def test_a_serbian_letter_in_macedonian_text_still_folds() -> None:
    # The Macedonian table lacks ђ and ћ; the Serbian one fills in.
    assert fold_script("Ђорђе и Ќиро", "mk") == "djordje i kjiro"


def test_text_in_decomposed_form_folds_like_composed_text() -> None:
    assert fold_script("Kari\u0107") == fold_script("Karic\u0301") == "karic"


@pytest.mark.parametrize("amount", ["170.900 KM", "170,900 KM", "170 900 KM", "170\u00a0900 KM", "170900 KM"])
def test_thousands_separators_are_removed_from_digit_groups(amount: str) -> None:
    assert fold_script(amount) == "170900 km"


def test_numbers_that_are_not_thousands_groups_keep_their_separators() -> None:
    assert fold_script("1,5 miliona") == "1,5 miliona"
    assert fold_script("14.06.2022.") == "14.06.2022."
    assert fold_script("1,000.50 USD") == "1000.50 usd"
    assert fold_script("2.500.000") == "2500000"


def test_unknown_cyrillic_letters_are_kept_not_dropped() -> None:
    assert fold_script("Щ") == "щ"


def test_tokenize_produces_the_same_token_for_cyrillic_and_latin_names() -> None:
    assert tokenize("Enes Карић") == tokenize("Enes Karić") == tokenize("enes karic") == ["enes", "karic"]


def test_tokenize_never_drops_cyrillic_input() -> None:
    tokens = tokenize("Меѓународната организација за миграции")
    assert len(tokens) == 4
    assert all(token.isascii() and token.isalpha() for token in tokens)


def test_tokenize_drops_single_letters_but_keeps_single_digits() -> None:
    assert tokenize("u 5 i x sati") == ["5", "sati"]


def test_tokenize_keeps_acronyms_and_numbers_whole() -> None:
    assert tokenize("WBCAP, WBJAST i 170.900 KM") == ["wbcap", "wbjast", "170900", "km"]


def test_tokenize_splits_on_punctuation_and_underscores() -> None:
    assert tokenize("IOM's border_police (BiH)") == ["iom", "border", "polic", "bih"]


def test_stemming_joins_inflected_forms_across_varieties() -> None:
    # Case forms of the same word (bs/hr/sr) and a Serbian Cyrillic form share one stem.
    forms = ["policija", "policije", "policiji", "policijom", "полиције"]
    assert len({token for form in forms for token in tokenize(form)}) == 1
    assert tokenize("Kariću") == tokenize("Karićem") == tokenize("Karić")


def test_stemming_keeps_a_minimum_stem() -> None:
    # "mapa" would lose its "a" only if four letters remained.
    assert tokenize("mapa") == ["mapa"]
    assert tokenize("mape") == ["mape"]


def test_digits_are_never_stemmed() -> None:
    assert tokenize("2030 12345") == ["2030", "12345"]


def test_empty_and_punctuation_only_text_give_no_tokens() -> None:
    assert tokenize("") == []
    assert tokenize(" ,.;— ") == []
