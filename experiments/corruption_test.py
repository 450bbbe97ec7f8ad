"""Corruption detection: damage every file of the live index generation and try to open it.

    python -m experiments.corruption_test --seed 0

Builds an index (deterministic ``hash:64`` encoder by default), then for each file
of the live generation (vectors.faiss, chunks.sqlite, manifest.json, the lexical
files) and for ``CURRENT``: flips a bit (first, middle, last and seeded random
positions) or inverts a byte, truncates it (to half, to nothing) and deletes it, each time on a
fresh copy. Opening must fail with a message that names the damaged file and
offers the rebuild command; serving results that differ from the undamaged
index is the worst outcome. Prints a JSON summary and one line; exits 1 unless
every case was reported properly.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer

from corpus.loader import load_corpus
from experiments.fault_harness import DEFAULT_SPEC, Snapshot, register_hash_encoder, snapshot
from index.build import build_index
from index.encoder import load_encoder
from index.settings import REPO_CORPUS, Settings
from index.store import CURRENT_FILE, IndexStoreError, read_current

REBUILD_COMMAND = "assistant index build --rebuild"
OUTCOMES = ("reported", "misattributed", "no-rebuild-hint", "undetected-same-results", "wrong-results", "crashed")


@dataclass(frozen=True)
class Damage:
    name: str
    apply: Callable[[Path], None]


@dataclass
class CorruptionCase:
    file: str  # relative to the index folder, e.g. gen-.../chunks.sqlite or CURRENT
    damage: str
    outcome: str = ""
    message: str = ""


def flip_bits(position: Callable[[int], int], mask: int = 0x01) -> Callable[[Path], None]:
    """XOR the byte at ``position(size)`` with ``mask`` (0x01: one bit of bit rot)."""

    def apply(path: Path) -> None:
        data = bytearray(path.read_bytes())
        if data:
            data[position(len(data))] ^= mask
        path.write_bytes(bytes(data))

    return apply


def truncate_to(share: float) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * share)])

    return apply


def delete(path: Path) -> None:
    path.unlink()


def damages(rng: random.Random, random_flips: int) -> list[Damage]:
    found = [
        Damage("flip a bit of the first byte", flip_bits(lambda size: 0)),
        Damage("flip a bit of the middle byte", flip_bits(lambda size: size // 2)),
        Damage("flip a bit of the last byte", flip_bits(lambda size: size - 1)),
        Damage("invert the middle byte", flip_bits(lambda size: size // 2, 0xFF)),
    ]
    for _ in range(random_flips):
        share = rng.random()
        found.append(Damage(f"flip a bit at {share:.0%}", flip_bits(lambda size, share=share: int(size * share))))
    found += [Damage("truncate to half", truncate_to(0.5)), Damage("truncate to 0 bytes", truncate_to(0.0))]
    found.append(Damage("delete", delete))
    return found


def live_files(index_dir: Path) -> list[str]:
    """``CURRENT`` and every file of the live generation, relative to ``index_dir``."""
    pointer = read_current(index_dir)
    if pointer is None:
        raise RuntimeError(f"no live generation in {index_dir}")
    generation = index_dir / pointer.generation
    files = sorted(path.relative_to(index_dir).as_posix() for path in generation.rglob("*") if path.is_file())
    return [CURRENT_FILE, *files]


def judge(case: CorruptionCase, index_dir: Path, encoder: object, baseline: Snapshot) -> None:
    """Open the damaged index and classify what happened."""
    try:
        results = snapshot(index_dir, encoder)
    except IndexStoreError as error:
        case.message = str(error)
        named = case.file in case.message or str(index_dir / case.file) in case.message
        if not named:
            case.outcome = "misattributed"
        elif REBUILD_COMMAND not in case.message:
            case.outcome = "no-rebuild-hint"
        else:
            case.outcome = "reported"
        return
    except Exception as error:  # anything but a store error is a crash for the user
        case.outcome, case.message = "crashed", f"{type(error).__name__}: {error}"
        return
    case.outcome = "undetected-same-results" if results == baseline else "wrong-results"


def run_corruption_test(
    work: Path, seed: int = 0, random_flips: int = 3, model: str = DEFAULT_SPEC, corpus: Path | None = None
) -> list[CorruptionCase]:
    register_hash_encoder()
    settings = Settings(home=work / "home", model=model)
    encoder = load_encoder(model, settings)
    build_index(settings, encoder, load_corpus(corpus or REPO_CORPUS).releases, progress=False)
    index_dir = settings.index_dir
    baseline = snapshot(index_dir, encoder)
    pristine = work / "pristine"
    shutil.copytree(index_dir, pristine)
    cases = []
    for relative in live_files(index_dir):
        for damage in damages(random.Random(f"{seed}:{relative}"), random_flips):
            shutil.rmtree(index_dir)
            shutil.copytree(pristine, index_dir)
            damage.apply(index_dir / relative)
            case = CorruptionCase(file=relative, damage=damage.name)
            judge(case, index_dir, encoder, baseline)
            cases.append(case)
    shutil.rmtree(index_dir)
    shutil.copytree(pristine, index_dir)
    return cases


def summary(cases: list[CorruptionCase]) -> dict:
    counts = Counter(case.outcome for case in cases)
    return {
        "cases": len(cases),
        "outcomes": {outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
        "files": sorted({case.file for case in cases}),
        "failures": [asdict(case) for case in cases if case.outcome != "reported"],
    }


def main(
    seed: Annotated[int, typer.Option(help="Seed of the random byte positions.")] = 0,
    flips: Annotated[int, typer.Option(min=0, help="Random byte flips per file, besides first/middle/last.")] = 3,
    model: Annotated[str, typer.Option(help="Model spec (default: the deterministic hash:64 test encoder).")] = (
        DEFAULT_SPEC
    ),
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder (default: the shipped releases).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the summary here.")] = None,
) -> None:
    """Damage each index file in several ways and check every damage is reported, never served."""
    work = Path(tempfile.mkdtemp(prefix="corruption-test-"))
    try:
        cases = run_corruption_test(work, seed, flips, model, corpus)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = summary(cases)
    report = json.dumps(result, indent=2, ensure_ascii=False)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report + "\n", encoding="utf-8")
    typer.echo(report)
    outcomes = ", ".join(f"{name} {count}" for name, count in result["outcomes"].items() if count)
    typer.echo(f"corruption cases reported with file and rebuild command: "
               f"{result['outcomes']['reported']}/{result['cases']} ({outcomes})")  # fmt: skip
    raise typer.Exit(0 if result["outcomes"]["reported"] == result["cases"] else 1)


if __name__ == "__main__":
    typer.run(main)
