"""The one message catalogue: fixed replies and every text of the chat's interface.

Interface languages (``UI_LANGUAGES``): English, Bosnian/Croatian/Serbian in Latin script
("sh", ijekavian Bosnian wording, which Croatian and Montenegrin readers also read as their
own), Serbian in Cyrillic script (ekavian) and Macedonian. Each text was written in its
language; none is a transliteration of another. Missing texts fall back to English.

:func:`message` builds the fixed replies of the API (English plus the asker's language);
:func:`ui_text` gives one text in the interface language.
"""

from __future__ import annotations

from assistant.languages import SUPPORTED_LANGUAGES_TEXT

# (code, name in its own language), in the order the switch shows them.
UI_LANGUAGES = (
    ("en", "English"),
    ("sh", "Bosanski / Hrvatski / Srpski"),
    ("sr-Cyrl", "Српски (ћирилица)"),
    ("mk", "Македонски"),
)
UI_CODES = tuple(code for code, _ in UI_LANGUAGES)

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
        "sh": "Pitanje ne izgleda kao tekst, nego kao binarni podaci ili oštećen zalijepljeni sadržaj. "
        "Upišite ga ili zalijepite ponovo.",
        "mk": "Прашањето не личи на текст, туку на бинарни податоци или оштетен залепен содржај. "
        "Напишете го или залепете го повторно.",
        "sr-Cyrl": "Питање не изгледа као текст, већ као бинарни подаци или оштећен налепљен садржај. "
        "Укуцајте га или налепите поново.",
    },
    "unsupported_script": {
        "en": f"Questions must be written in {SUPPORTED_LANGUAGES_TEXT}; this one seems to be in another script ({{found}}).",
        "sh": "Pitanja moraju biti na bosanskom, hrvatskom, srpskom (latinica ili ćirilica), crnogorskom, "
        "makedonskom ili engleskom; ovo je izgleda napisano drugim pismom ({found}).",
        "mk": "Прашањата мора да бидат на босански, хрватски, српски (латиница или кирилица), црногорски, "
        "македонски или англиски; ова изгледа е напишано со друго писмо ({found}).",
        "sr-Cyrl": "Питања морају бити на босанском, хрватском, српском (латиница или ћирилица), црногорском, "
        "македонском или енглеском; ово је изгледа написано другим писмом ({found}).",
    },
    "unsupported_language": {
        "en": f"Questions must be written in {SUPPORTED_LANGUAGES_TEXT}; this one seems to be in {{found}}.",
        "sh": "Pitanja moraju biti na bosanskom, hrvatskom, srpskom (latinica ili ćirilica), crnogorskom, "
        "makedonskom ili engleskom; ovo je izgleda na drugom jeziku ({found}).",
        "mk": "Прашањата мора да бидат на босански, хрватски, српски (латиница или кирилица), црногорски, "
        "македонски или англиски; ова изгледа е на друг јазик ({found}).",
        "sr-Cyrl": "Питања морају бити на босанском, хрватском, српском (латиница или ћирилица), црногорском, "
        "македонском или енглеском; ово је изгледа на другом језику ({found}).",
    },
    "truncated": {
        "en": "Your question was {length:,} characters long; only the first {limit:,} were used.",
        "sh": "Vaše pitanje ima {length} znakova; korišteno je samo prvih {limit}.",
        "mk": "Вашето прашање има {length} знаци; искористени се само првите {limit}.",
        "sr-Cyrl": "Ваше питање има {length} знакова; искоришћено је само првих {limit}.",
    },
    "bad_date": {
        "en": "{field} must be a date written YYYY-MM-DD, e.g. 2022-06-14 (got “{value}”).",
        "sh": "{field}: datum se piše GGGG-MM-DD, npr. 2022-06-14 (upisano je „{value}“).",
        "mk": "{field}: датумот се пишува ГГГГ-ММ-ДД, на пр. 2022-06-14 (внесено е „{value}“).",
        "sr-Cyrl": "{field}: датум се пише ГГГГ-ММ-ДД, нпр. 2022-06-14 (уписано је „{value}“).",
    },
    "dates_reversed": {
        "en": "The start date ({start}) is after the end date ({end}).",
        "sh": "Početni datum ({start}) je poslije krajnjeg datuma ({end}).",
        "mk": "Почетниот датум ({start}) е по крајниот датум ({end}).",
        "sr-Cyrl": "Почетни датум ({start}) је после крајњег датума ({end}).",
    },
    "backend_unavailable": {
        "en": "The search backend is unavailable right now, so nothing could be searched. "
        "Please try again in a minute; if it keeps happening, tell the administrator.",
        "sh": "Pretraživač trenutno nije dostupan, pa ništa nije pretraženo. "
        "Pokušajte ponovo za minutu; ako se ponavlja, javite administratoru.",
        "sr-Cyrl": "Претраживач тренутно није доступан, па ништа није претражено. "
        "Покушајте поново за минут; ако се понавља, јавите администратору.",
        "mk": "Пребарувачот моментално не е достапен, па ништо не е пребарано. "
        "Обидете се повторно за една минута; ако се повторува, известете го администраторот.",
    },
    "error": {
        "en": "Sorry, something went wrong while answering. Please try again; if it keeps happening, tell the administrator.",
        "sh": "Izvinite, došlo je do greške pri odgovaranju. Pokušajte ponovo; ako se ponavlja, javite administratoru.",
        "mk": "Се извинуваме, настана грешка при одговарањето. Обидете се повторно; ако продолжи, известете го администраторот.",
        "sr-Cyrl": "Извините, дошло је до грешке при одговарању. Покушајте поново; ако се понавља, јавите администратору.",
    },
}

# Texts of the interface. Plural forms are joined with "|": English and Macedonian one|other,
# Bosnian/Croatian/Serbian one|few|many (see ``plural``).
_UI: dict[str, dict[str, str]] = {
    "title": {
        "en": "Press release assistant",
        "sh": "Asistent za saopćenja za medije",
        "sr-Cyrl": "Асистент за саопштења за медије",
        "mk": "Асистент за соопштенија за медиуми",
    },
    "intro": {
        "en": "Ask in Bosnian, Croatian, Serbian, Montenegrin, Macedonian or English. Answers are passages quoted "
        "word for word from the press releases, with their source; the best-matching sentence is highlighted.",
        "sh": "Pitajte na bosanskom, hrvatskom, srpskom, crnogorskom, makedonskom ili engleskom. Odgovori su "
        "odlomci citirani doslovno iz saopćenja za medije, s izvorom; rečenica koja najbolje odgovara je istaknuta.",
        "sr-Cyrl": "Питајте на босанском, хрватском, српском, црногорском, македонском или енглеском. Одговори су "
        "одломци цитирани дословно из саопштења за медије, са извором; реченица која најбоље одговара је истакнута.",
        "mk": "Прашајте на босански, хрватски, српски, црногорски, македонски или англиски. Одговорите се пасуси "
        "цитирани збор по збор од соопштенијата за медиуми, со изворот; најсоодветната реченица е означена.",
    },
    "ui_language": {"en": "Language", "sh": "Jezik", "sr-Cyrl": "Језик", "mk": "Јазик"},
    "chat": {"en": "Chat", "sh": "Razgovor", "sr-Cyrl": "Разговор", "mk": "Разговор"},
    "question_label": {"en": "Question", "sh": "Pitanje", "sr-Cyrl": "Питање", "mk": "Прашање"},
    "question_placeholder": {
        "en": "e.g. Who organised the meeting of the Western Balkan border police chiefs?",
        "sh": "npr. Ko je organizovao sastanak šefova graničnih policija Zapadnog Balkana?",
        "sr-Cyrl": "нпр. Ко је организовао састанак шефова граничних полиција Западног Балкана?",
        "mk": "пр. Кој го организираше состанокот на шефовите на граничните полиции на Западен Балкан?",
    },
    "ask": {"en": "Ask", "sh": "Pitaj", "sr-Cyrl": "Питај", "mk": "Прашај"},
    "helpful": {"en": "Helpful", "sh": "Korisno", "sr-Cyrl": "Корисно", "mk": "Корисно"},
    "not_helpful": {"en": "Not helpful", "sh": "Nije korisno", "sr-Cyrl": "Није корисно", "mk": "Не е корисно"},
    "new_conversation": {
        "en": "New conversation", "sh": "Novi razgovor", "sr-Cyrl": "Нови разговор", "mk": "Нов разговор",
    },
    "filters": {"en": "Filters", "sh": "Filteri", "sr-Cyrl": "Филтери", "mk": "Филтри"},
    "filter_languages": {
        "en": "Languages (none = all)",
        "sh": "Jezici (nijedan = svi)",
        "sr-Cyrl": "Језици (ниједан = сви)",
        "mk": "Јазици (ниеден = сите)",
    },
    "date_from": {"en": "From date", "sh": "Od datuma", "sr-Cyrl": "Од датума", "mk": "Од датум"},
    "date_to": {"en": "To date", "sh": "Do datuma", "sr-Cyrl": "До датума", "mk": "До датум"},
    "date_placeholder": {"en": "YYYY-MM-DD", "sh": "GGGG-MM-DD", "sr-Cyrl": "ГГГГ-ММ-ДД", "mk": "ГГГГ-ММ-ДД"},
    "max_quotes": {"en": "Number of quotes", "sh": "Broj citata", "sr-Cyrl": "Број цитата", "mk": "Број на цитати"},
    "sources": {"en": "Sources", "sh": "Izvori", "sr-Cyrl": "Извори", "mk": "Извори"},
    "sources_empty": {
        "en": "No sources yet: cited releases are listed here.",
        "sh": "Još nema izvora: ovdje će biti navedena citirana saopćenja.",
        "sr-Cyrl": "Још нема извора: овде ће бити наведена цитирана саопштења.",
        "mk": "Сè уште нема извори: цитираните соопштенија ќе бидат наведени тука.",
    },
    "release_choice": {
        "en": "Open a cited release (full cleaned text, quotes marked)",
        "sh": "Otvori citirano saopćenje (cijeli prečišćeni tekst, citati označeni)",
        "sr-Cyrl": "Отвори цитирано саопштење (цео пречишћени текст, цитати означени)",
        "mk": "Отвори цитирано соопштение (целиот исчистен текст, со означени цитати)",
    },
    "export_markdown": {
        "en": "Export as Markdown", "sh": "Izvezi kao Markdown", "sr-Cyrl": "Извези као Markdown",
        "mk": "Извези како Markdown",
    },
    "export_json": {
        "en": "Export as JSON", "sh": "Izvezi kao JSON", "sr-Cyrl": "Извези као JSON", "mk": "Извези како JSON",
    },
    "export_empty": {
        "en": "Ask a question first: there is nothing to export yet.",
        "sh": "Prvo postavite pitanje: još nema ničega za izvoz.",
        "sr-Cyrl": "Прво поставите питање: још нема ничега за извоз.",
        "mk": "Прво поставете прашање: сè уште нема ништо за извоз.",
    },
    "exported": {
        "en": "Downloaded {name}.", "sh": "Preuzeto: {name}.", "sr-Cyrl": "Преузето: {name}.", "mk": "Преземено: {name}.",
    },
    "copy_citation": {
        "en": "Copy citation", "sh": "Kopiraj citat", "sr-Cyrl": "Копирај цитат", "mk": "Копирај цитат",
    },
    "copy_answer": {
        "en": "Copy the whole answer with citations",
        "sh": "Kopiraj cijeli odgovor s citatima",
        "sr-Cyrl": "Копирај цео одговор са цитатима",
        "mk": "Копирај го целиот одговор со цитатите",
    },
    "copied": {"en": "Copied", "sh": "Kopirano", "sr-Cyrl": "Копирано", "mk": "Копирано"},
    "rate_first": {
        "en": "Rate an answer after asking a question.",
        "sh": "Odgovor možete ocijeniti nakon što postavite pitanje.",
        "sr-Cyrl": "Одговор можете да оцените пошто поставите питање.",
        "mk": "Одговорот може да го оцените откако ќе поставите прашање.",
    },
    "rated": {
        "en": "Thank you: recorded “{label}” for “{question}”.",
        "sh": "Hvala: zabilježeno je „{label}“ za „{question}“.",
        "sr-Cyrl": "Хвала: забележено је „{label}“ за „{question}“.",
        "mk": "Ви благодариме: забележано е „{label}“ за „{question}“.",
    },
    "rate_failed": {
        "en": "Sorry, the rating could not be saved.",
        "sh": "Izvinite, ocjena nije mogla biti sačuvana.",
        "sr-Cyrl": "Извините, оцена није могла да буде сачувана.",
        "mk": "Се извинуваме, оценката не можеше да се зачува.",
    },
    "release_gone": {
        "en": "This release is no longer in the index.",
        "sh": "Ovo saopćenje više nije u indeksu.",
        "sr-Cyrl": "Ово саопштење више није у индексу.",
        "mk": "Ова соопштение веќе не е во индексот.",
    },
    "release_failed": {
        "en": "Sorry, the release cannot be shown.",
        "sh": "Izvinite, saopćenje se ne može prikazati.",
        "sr-Cyrl": "Извините, саопштење не може да се прикаже.",
        "mk": "Се извинуваме, соопштението не може да се прикаже.",
    },
    "summary": {
        "en": "{quotes} from {releases}, quoted verbatim.",
        "sh": "Doslovno citirano: {quotes} iz {releases}.",
        "sr-Cyrl": "Дословно цитирано: {quotes} из {releases}.",
        "mk": "Цитирано збор по збор: {quotes} од {releases}.",
    },
    "n_passages": {
        "en": "passage|passages", "sh": "odlomak|odlomka|odlomaka", "sr-Cyrl": "одломак|одломка|одломака",
        "mk": "пасус|пасуси",
    },
    "n_releases": {
        "en": "release|releases", "sh": "saopćenja|saopćenja|saopćenja", "sr-Cyrl": "саопштења|саопштења|саопштења",
        "mk": "соопштение|соопштенија",
    },
    "n_quotes": {"en": "quote|quotes", "sh": "citat|citata|citata", "sr-Cyrl": "цитат|цитата|цитата", "mk": "цитат|цитати"},
    "follow_up": {
        "en": "Follow-up to:", "sh": "Nastavak na pitanje:", "sr-Cyrl": "Наставак на питање:",
        "mk": "Продолжение на прашањето:",
    },
    "other_versions": {
        "en": "The same story in other languages:",
        "sh": "Ista vijest na drugim jezicima:",
        "sr-Cyrl": "Иста вест на другим језицима:",
        "mk": "Истата вест на други јазици:",
    },
    "same_story": {
        "en": "same story, not quoted",
        "sh": "ista vijest, nije citirana",
        "sr-Cyrl": "иста вест, није цитирана",
        "mk": "истата вест, не е цитирана",
    },
    "undated": {"en": "undated", "sh": "bez datuma", "sr-Cyrl": "без датума", "mk": "без датум"},
    "characters": {
        "en": "characters {start}–{end}", "sh": "znakovi {start}–{end}", "sr-Cyrl": "знакови {start}–{end}",
        "mk": "знаци {start}–{end}",
    },
    "page": {"en": "p. {page}", "sh": "str. {page}", "sr-Cyrl": "стр. {page}", "mk": "стр. {page}"},
    "pages": {
        "en": "pp. {first}–{last}", "sh": "str. {first}–{last}", "sr-Cyrl": "стр. {first}–{last}",
        "mk": "стр. {first}–{last}",
    },
}

# Language and script names as the answers give them in English -> the interface language.
_NAMES: dict[str, dict[str, str]] = {
    "English": {"sh": "engleski", "sr-Cyrl": "енглески", "mk": "англиски"},
    "Bosnian": {"sh": "bosanski", "sr-Cyrl": "босански", "mk": "босански"},
    "Croatian": {"sh": "hrvatski", "sr-Cyrl": "хрватски", "mk": "хрватски"},
    "Serbian": {"sh": "srpski", "sr-Cyrl": "српски", "mk": "српски"},
    "Macedonian": {"sh": "makedonski", "sr-Cyrl": "македонски", "mk": "македонски"},
    "Montenegrin": {"sh": "crnogorski", "sr-Cyrl": "црногорски", "mk": "црногорски"},
    "Unknown language": {"sh": "nepoznat jezik", "sr-Cyrl": "непознат језик", "mk": "непознат јазик"},
    "Latin": {"sh": "latinica", "sr-Cyrl": "латиница", "mk": "латиница"},
    "Cyrillic": {"sh": "ćirilica", "sr-Cyrl": "ћирилица", "mk": "кирилица"},
    "all": {"sh": "svi", "sr-Cyrl": "сви", "mk": "сите"},
}


def message(key: str, language: str = "en", **values: object) -> str:
    """The English text, followed by the same message in ``language`` when one exists."""
    texts = _MESSAGES[key]
    english = texts["en"].format(**values)
    local = texts.get(language)
    if language == "en" or not local:
        return english
    return f"{english}\n{local.format(**values)}"


def ui_text(key: str, ui: str = "en", **values: object) -> str:
    """One interface text (or fixed reply) in the interface language ``ui``, English when missing."""
    texts = _UI.get(key) or _MESSAGES[key]
    return (texts.get(ui) or texts["en"]).format(**values)


def plural(count: int, key: str, ui: str = "en") -> str:
    """``count`` with the noun form its language needs: "1 passage", "3 odlomka", "5 одломака"."""
    forms = ui_text(key, ui).split("|")
    if len(forms) == 3:  # Bosnian/Croatian/Serbian: one, few (2-4), many
        if count % 10 == 1 and count % 100 != 11:
            form = forms[0]
        elif 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
            form = forms[1]
        else:
            form = forms[2]
    elif ui == "mk":
        form = forms[0] if count % 10 == 1 and count % 100 != 11 else forms[-1]
    else:
        form = forms[0] if count == 1 else forms[-1]
    return f"{count} {form}"


def language_label(name: str, ui: str = "en") -> str:
    """An English language display name ("Serbian (Cyrillic)", "Bosnian/Croatian/Serbian (Latin)",
    "Macedonian, Bosnian") in the interface language; unknown names are returned as they are."""
    if ui == "en" or not name:
        return name
    labels = [_one_language_label(part, ui) for part in name.split(", ")]
    text = ", ".join(labels)
    return text[:1].upper() + text[1:]


def _one_language_label(name: str, ui: str) -> str:
    base, _, qualifier = name.partition(" (")
    words = [_NAMES.get(word, {}).get(ui, word) for word in base.split("/")]
    label = "/".join(words)
    if qualifier:
        qualifier = qualifier.rstrip(")")
        translated = " ".join(_NAMES.get(word, {}).get(ui, word) for word in qualifier.split(" or "))
        label += f" ({translated})"
    return label


def ui_language_from_browser(locales: str) -> str:
    """The interface language for the browser's language list ("mk-MK,en-US;q=0.8" or "sr-RS,en")."""
    for item in (locales or "").split(","):
        tag = item.split(";")[0].strip().lower().replace("_", "-")
        parts = tag.split("-")
        if not parts[0]:
            continue
        if parts[0] == "mk":
            return "mk"
        if parts[0] == "sr":
            # Serbian is Cyrillic unless Latin is asked for; Montenegro writes Latin in practice.
            return "sh" if "latn" in parts[1:] or "me" in parts[1:] else "sr-Cyrl"
        if parts[0] in {"bs", "hr", "sh", "cnr"}:
            return "sh"
        if parts[0] == "en":
            return "en"
    return "en"
