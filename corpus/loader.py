"""Load a directory of release files into cleaned :class:`Release` objects.

Bad files never stop the load: each is reported as a :class:`FileProblem`
with a human reason and the rest of the corpus still loads. Cross-release
boilerplate is learnt from all readable files (a :class:`BoilerplateModel`,
returned with the load) and can be reused to clean one more release later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from corpus.boilerplate import BoilerplateModel, clean_text_mapped, map_offset
from corpus.language import detect_languages
from corpus.paragraphs import split_paragraphs
from corpus.reading import DEFAULT_MAX_BYTES, CorpusFileError
from corpus.release import Paragraph, Release
from corpus.source_file import CORPUS_SUFFIXES, SourceDocument, read_source

MAX_DERIVED_TITLE_CHARS = 200


@dataclass(frozen=True)
class FileProblem:
    """A file that was skipped, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class CorpusLoad:
    releases: list[Release]
    problems: list[FileProblem]
    boilerplate: BoilerplateModel = field(default_factory=BoilerplateModel)


def corpus_files(directory: Path) -> list[Path]:
    """Release files under ``directory`` (recursive, sorted, hidden entries skipped)."""
    if not directory.is_dir():
        raise CorpusFileError(directory, "corpus directory not found")
    return sorted(
        path
        for path in directory.rglob("*")
        if path.suffix.lower() in CORPUS_SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    )


def load_corpus(directory: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, progress: bool = False) -> CorpusLoad:
    """Every loadable release under ``directory`` plus the problems found."""
    problems: list[FileProblem] = []
    sources: list[SourceDocument] = []
    first_path_by_id: dict[str, Path] = {}
    for path in tqdm(corpus_files(directory), desc="Reading releases", unit="file", disable=not progress):
        try:
            source = read_source(path, max_bytes=max_bytes)
        except CorpusFileError as error:
            problems.append(FileProblem(str(path), error.reason))
            continue
        if source.id in first_path_by_id:
            problems.append(
                FileProblem(str(path), f"duplicate release id {source.id}, also in {first_path_by_id[source.id]}")
            )
            continue
        first_path_by_id[source.id] = path
        sources.append(source)
    model = BoilerplateModel.learn({source.id: source.body for source in sources})
    releases: list[Release] = []
    for source in tqdm(sources, desc="Cleaning and detecting languages", unit="release", disable=not progress):
        try:
            releases.append(build_release(source, model))
        except CorpusFileError as error:
            problems.append(FileProblem(str(source.path), error.reason))
    problems.sort(key=lambda problem: problem.path)
    return CorpusLoad(releases=releases, problems=problems, boilerplate=model)


def load_release(
    path: Path,
    corpus_context: BoilerplateModel | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Release:
    """One release; ``corpus_context`` (from :func:`load_corpus`) adds cross-release cleaning.

    Raises :class:`CorpusFileError` when the file cannot be used.
    """
    return build_release(read_source(path, max_bytes=max_bytes), corpus_context)


def build_release(source: SourceDocument, model: BoilerplateModel | None) -> Release:
    """Clean ``source``, split it into paragraphs and label their languages."""
    metadata = source.metadata
    keep = [metadata.title] if metadata.title else []
    text, segments = clean_text_mapped(source.body, model, key=source.id, keep=keep)
    if not text:
        raise CorpusFileError(
            source.path, "no text left after removing boilerplate (menus, navigation, repeated lines)"
        )
    spans = split_paragraphs(text)
    guesses = detect_languages([text[start:end] for start, end in spans], metadata.languages)
    paragraphs = tuple(
        Paragraph(start, end, guess.language, guess.script, guess.family, guess.detected, guess.confidence)
        for (start, end), guess in zip(spans, guesses, strict=True)
    )
    return Release(
        id=source.id,
        title=metadata.title or derived_title(text),
        date=metadata.date,
        source=metadata.source or source.path.name,
        text=text,
        paragraphs=paragraphs,
        path=str(source.path),
        declared_languages=metadata.languages,
        page_starts=tuple(
            0 if page == 0 else map_offset(segments, start, len(text)) for page, start in enumerate(source.page_starts)
        ),
    )


def derived_title(text: str) -> str:
    """The first line of the cleaned text, shortened at a word boundary if long."""
    line = text.split("\n", 1)[0].strip()
    if len(line) <= MAX_DERIVED_TITLE_CHARS:
        return line
    cut = line[:MAX_DERIVED_TITLE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–") + "…"
