"""Fixed replies, in English plus the asker's language when it is one of the region's."""

from __future__ import annotations

from assistant.languages import SUPPORTED_LANGUAGES_TEXT

# key -> language ("en", "sh", "mk", "sr-Cyrl") -> text. English is always present.
_MESSAGES: dict[str, dict[str, str]] = {
    "no_answer": {
        "en": "No passage in the press releases answers this question.",
        "sh": "Nijedan odlomak u saopćenjima za medije ne odgovara na ovo pitanje.",
        "mk": "Ниту еден пасус од соопштенијата за медиуми не одговара на ова прашање.",
        "sr-Cyrl": "Ниједан одломак у саопштењима за медије не одговара на ово питање.",
    },
    "empty": {
        "en": "Please type a question.",
        "sh": "Molimo upišite pitanje.",
        "mk": "Ве молиме, напишете прашање.",
        "sr-Cyrl": "Молимо упишите питање.",
    },
    "no_words": {
        "en": "Please ask the question in words; symbols or emoji alone cannot be searched.",
        "sh": "Molimo postavite pitanje riječima; sami simboli ili emotikoni se ne mogu pretraživati.",
        "mk": "Ве молиме, поставете го прашањето со зборови; само симболи или емотикони не може да се пребаруваат.",
        "sr-Cyrl": "Молимо поставите питање речима; сами симболи или емотикони не могу да се претражују.",
    },
    "binary": {
        "en": "The question looks like binary data or a damaged paste, not text. Please type or paste it again.",
    },
    "unsupported_script": {
        "en": f"Questions must be written in {SUPPORTED_LANGUAGES_TEXT}; this one seems to be in another script ({{found}}).",
    },
    "unsupported_language": {
        "en": f"Questions must be written in {SUPPORTED_LANGUAGES_TEXT}; this one seems to be in {{found}}.",
    },
    "truncated": {
        "en": "Your question was {length:,} characters long; only the first {limit:,} were used.",
    },
    "backend_unavailable": {
        "en": "The search backend is unavailable right now, so nothing could be searched. "
        "Please try again in a minute; if it keeps happening, tell the administrator.",
    },
    "error": {
        "en": "Sorry, something went wrong while answering. Please try again; if it keeps happening, tell the administrator.",
        "sh": "Izvinite, došlo je do greške. Pokušajte ponovo.",
        "mk": "Се случи грешка. Обидете се повторно.",
        "sr-Cyrl": "Извините, дошло је до грешке. Покушајте поново.",
    },
}


def message(key: str, language: str = "en", **values: object) -> str:
    """The English text, followed by the same message in ``language`` when one exists."""
    texts = _MESSAGES[key]
    english = texts["en"].format(**values)
    local = texts.get(language)
    if language == "en" or not local:
        return english
    return f"{english}\n{local.format(**values)}"
