"""Bad PDF and Word files: each is skipped with its own reason, and the index answers as before."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from corpus.loader import load_corpus
from corpus.pdf_text import MAX_PDF_PAGES
from index.build import build_index
from index.encoder import load_encoder
from index.search import Searcher
from index.settings import REPO_CORPUS, Settings
from index.store import open_index
from tests.documents import RELEASES, write_docx, write_pdf

QUESTION = "Who organised the meeting of the border police chiefs?"


def _good_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in sorted(path.name for path in REPO_CORPUS.iterdir())[:2]:
        shutil.copy(REPO_CORPUS / name, folder / name)
    write_pdf(folder / "granicna-policija.pdf", RELEASES["bs"]["paragraphs"])  # type: ignore[arg-type]
    return folder


def _answers(folder: Path, home: Path) -> tuple[list[str], list[tuple[str, str, float]]]:
    """Problems of the load, and the hits of QUESTION from an index built of it (fake encoder)."""
    settings = Settings(home=home, model="fake:64", corpus_dir=folder)
    encoder = load_encoder(settings.model, settings)
    loaded = load_corpus(folder)
    build_index(settings, encoder, loaded.releases, boilerplate=loaded.boilerplate)
    index = open_index(settings.index_dir, encoder.model_id)
    try:
        hits = Searcher(index, encoder).search(QUESTION, k=5)
    finally:
        index.close()
    return [problem.reason for problem in loaded.problems], [(h.release_id, h.text, round(h.score, 6)) for h in hits]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, float]]:
    root = tmp_path_factory.mktemp("baseline")
    problems, hits = _answers(_good_corpus(root / "corpus"), root / "home")
    assert problems == [] and hits
    return hits


def _assert_skipped(tmp_path: Path, baseline, name: str, data: bytes | None = None, writer=None) -> str:
    folder = _good_corpus(tmp_path / "corpus")
    if writer is not None:
        writer(folder / name)
    else:
        (folder / name).write_bytes(data or b"")
    problems, hits = _answers(folder, tmp_path / "home")
    assert len(problems) == 1, problems
    assert hits == baseline  # the rest of the corpus answers exactly as before
    return problems[0]


def _pdf_bytes(tmp_path: Path) -> bytes:
    write_pdf(tmp_path / "source.pdf", RELEASES["en"]["paragraphs"])  # type: ignore[arg-type]
    return (tmp_path / "source.pdf").read_bytes()


def _docx_bytes(tmp_path: Path) -> bytes:
    write_docx(tmp_path / "source.docx", RELEASES["en"]["paragraphs"])  # type: ignore[arg-type]
    return (tmp_path / "source.docx").read_bytes()


def test_encrypted_pdf(tmp_path: Path, baseline) -> None:
    def writer(path: Path) -> None:
        write_pdf(path, RELEASES["en"]["paragraphs"], user_password="s3cret")  # type: ignore[arg-type]

    reason = _assert_skipped(tmp_path, baseline, "locked.pdf", writer=writer)
    assert reason == "encrypted PDF (opening it needs a password): save an unprotected copy and add that"


def test_scanned_pdf_without_text_layer(tmp_path: Path, baseline) -> None:
    def writer(path: Path) -> None:
        pdf = FPDF()
        for shade in (200, 180):
            pdf.add_page()
            image = io.BytesIO()
            Image.new("L", (300, 400), shade).save(image, format="PNG")
            pdf.image(image, x=10, y=10, w=180)
        pdf.output(str(path))

    reason = _assert_skipped(tmp_path, baseline, "scan.pdf", writer=writer)
    assert reason.startswith("no text layer in 2 page(s): the PDF holds only images (a scan?). OCR is not supported")


def test_truncated_pdf(tmp_path: Path, baseline) -> None:
    data = _pdf_bytes(tmp_path)
    reason = _assert_skipped(tmp_path, baseline, "cut.pdf", data[: len(data) // 2])
    assert reason == "truncated or damaged PDF (no end-of-file marker): the file was cut off; copy it again"


def test_corrupt_pdf(tmp_path: Path, baseline) -> None:
    reason = _assert_skipped(tmp_path, baseline, "corrupt.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    assert reason.startswith("damaged PDF"), reason


def test_truncated_docx(tmp_path: Path, baseline) -> None:
    data = _docx_bytes(tmp_path)
    reason = _assert_skipped(tmp_path, baseline, "cut.docx", data[: len(data) // 2])
    assert reason.startswith("damaged or truncated Word document (not a valid zip archive"), reason


def test_docx_zip_bomb_is_refused_before_decompression(tmp_path: Path, baseline) -> None:
    def writer(path: Path) -> None:
        path.write_bytes(_docx_bytes(tmp_path))
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            with archive.open("word/media/padding.bin", "w") as member:
                for _ in range(32):
                    member.write(bytes(1024 * 1024))  # 32 MB of zeros: about 1000:1

    reason = _assert_skipped(tmp_path, baseline, "bomb.docx", writer=writer)
    assert reason.startswith("refused as a possible zip bomb: word/media/padding.bin is compressed")
    assert reason.endswith("(limit 100:1); nothing was decompressed")


def test_macro_enabled_docm(tmp_path: Path, baseline) -> None:
    reason = _assert_skipped(tmp_path, baseline, "macros.docm", _docx_bytes(tmp_path))
    assert reason == "macro-enabled Word document (.docm) refused: save it as .docx without macros"


def test_docx_with_macros_inside(tmp_path: Path, baseline) -> None:
    def writer(path: Path) -> None:
        path.write_bytes(_docx_bytes(tmp_path))
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro storage")

    reason = _assert_skipped(tmp_path, baseline, "renamed.docx", writer=writer)
    assert reason == "macro-enabled Word document (holds VBA macros) refused: save it as .docx without macros"


def test_mojibake_pdf_is_not_indexed(tmp_path: Path, baseline) -> None:
    def writer(path: Path) -> None:
        # Macedonian UTF-8 bytes shown through a one-byte font encoding: the classic broken text layer.
        garbled = "Меѓународната организација за миграции ја одржа средбата".encode().decode("cp1252", "ignore")
        pdf = FPDF()
        pdf.core_fonts_encoding = "cp1252"
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for _ in range(5):
            pdf.multi_cell(0, 6, garbled, new_x="LMARGIN", new_y="NEXT")
        pdf.output(str(path))

    reason = _assert_skipped(tmp_path, baseline, "garbled.pdf", writer=writer)
    assert reason.startswith("the PDF's text layer is garbled (broken font encoding, e.g. 'Ð")
    assert reason.endswith("not indexed: export the PDF again with embedded Unicode fonts, or add a .txt/.docx version")


def test_pdf_over_the_page_limit(tmp_path: Path, baseline) -> None:
    def writer(path: Path) -> None:
        pdf = FPDF()
        pdf.set_font("Helvetica", size=8)
        for number in range(2000):
            pdf.add_page()
            pdf.cell(0, 5, f"Page {number + 1} of a very long report.")
        pdf.output(str(path))

    reason = _assert_skipped(tmp_path, baseline, "long.pdf", writer=writer)
    assert reason == (
        f"PDF has 2,000 pages, more than the limit of {MAX_PDF_PAGES:,}: split it into smaller files (e.g. one per release)"
    )
