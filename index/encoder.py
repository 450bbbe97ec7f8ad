"""Text encoders: the protocol the index uses, and the sentence-transformers one."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from index.model_fetch import MARKER_FILE, ModelState, model_state
from index.settings import DEFAULT_MODEL, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

QUERY_PROMPT = "query"
DOCUMENT_PROMPT = "document"
DEFAULT_BATCH_SIZE = 16
FETCH_HINT = "run `assistant model fetch` to provision it"

logger = logging.getLogger(__name__)


class ModelUnavailableError(RuntimeError):
    """The configured model cannot be loaded (missing, corrupt, unknown id)."""


class Encoder(Protocol):
    """Turns text into L2-normalised float32 vectors."""

    model_id: str
    dimension: int

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray: ...


EncoderFactory = Callable[[str], Encoder]
_REGISTRY: dict[str, EncoderFactory] = {}


def register_encoder(prefix: str, factory: EncoderFactory) -> None:
    """Let model specs starting with ``prefix:`` build encoders with ``factory`` (tests, plugins)."""
    _REGISTRY[prefix] = factory


class SentenceTransformerEncoder:
    """A sentence-transformers model on the CPU, using the model's own named prompts.

    A prompt name the model does not define is encoded without a prompt; such
    names are collected in ``missing_prompts`` so callers can report it.
    """

    def __init__(self, model: SentenceTransformer, model_id: str, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch size must be positive, got {batch_size}")
        dimension = model.get_embedding_dimension()
        if not dimension:
            raise ModelUnavailableError(f"model {model_id} does not report its embedding dimension")
        self.model = model
        self.model_id = model_id
        self.dimension = int(dimension)
        self.batch_size = batch_size
        self.missing_prompts: set[str] = set()

    def encode(self, texts: Sequence[str], prompt_name: str, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        known = bool((self.model.prompts or {}).get(prompt_name))  # sentence-transformers fills unknown names with ""
        if not known and prompt_name not in self.missing_prompts:
            self.missing_prompts.add(prompt_name)
            logger.warning("model %s has no %r prompt; encoding without a prompt", self.model_id, prompt_name)
        vectors = self.model.encode(
            list(texts),
            prompt_name=prompt_name if known else None,
            batch_size=self.batch_size,
            show_progress_bar=progress,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def local_model_id(folder: Path) -> str:
    """``<folder name>@<12 hex>``: a fingerprint of the folder's files (names, sizes, small contents).

    Two copies of the same model get the same id; a different model, or
    different weights, gets another one, so caches and indexes can refuse mismatches.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative == MARKER_FILE or path.suffix in {".md", ".ipynb"}:
            continue
        size = path.stat().st_size
        digest.update(f"{relative}\0{size}\0".encode())
        if size <= 1_000_000:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{folder.name}@{digest.hexdigest()[:12]}"


_LOADED: dict[str, tuple[Any, str]] = {}
_LOAD_LOCK = threading.Lock()


def load_encoder(spec: str, settings: Settings, batch_size: int = DEFAULT_BATCH_SIZE) -> Encoder:
    """Resolve a model spec to an encoder.

    - ``prefix:rest`` with a registered prefix -> that factory (e.g. ``fake:64`` in tests);
    - a name with a folder under ``settings.models_dir`` (the default ``embeddinggemma-300m``) -> that folder;
    - an existing path -> that sentence-transformers folder; a missing one that looks like a path
      (``/``, ``./``, ``../``, ``~``, a backslash, or more than one ``/``) is refused;
    - anything else -> a sentence-transformers model id (local files only when ``HF_HUB_OFFLINE`` is set).
    Loaded sentence-transformers models are kept for the life of the process.
    """
    spec = spec.strip()
    if not spec:
        raise ModelUnavailableError("no model configured (empty model spec)")
    prefix, colon, rest = spec.partition(":")
    if colon and prefix in _REGISTRY:
        return _REGISTRY[prefix](rest)

    folder = _local_folder(spec, settings)
    key = str(folder.resolve()) if folder is not None else spec  # a name means different folders in different homes
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = _load_sentence_transformer(spec, folder)
        model, model_id = _LOADED[key]
    return SentenceTransformerEncoder(model, model_id, batch_size=batch_size)


def _load_sentence_transformer(spec: str, folder: Path | None) -> tuple[Any, str]:
    if folder is not None:
        return _load_from(str(folder), local_files_only=True), local_model_id(folder)
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() not in {"", "0", "false", "no"}
    return _load_from(spec, local_files_only=offline), spec


def _local_folder(spec: str, settings: Settings) -> Path | None:
    """The folder a spec names, or None for a hub id; raises if a known model or a named folder is not usable."""
    is_name = "/" not in spec and "\\" not in spec and spec not in {".", ".."}
    provisioned = settings.models_dir / spec
    if is_name and (spec == DEFAULT_MODEL or provisioned.is_dir()):
        state = model_state(provisioned)
        if state is ModelState.MISSING:
            raise ModelUnavailableError(f"model {spec} is not installed at {provisioned}; {FETCH_HINT}")
        if state is ModelState.INCOMPLETE:
            raise ModelUnavailableError(
                f"model folder {provisioned} is incomplete; run `assistant model fetch --force` to re-provision it"
            )
        return provisioned
    candidate = Path(spec).expanduser()
    if candidate.exists():
        if not (candidate / "modules.json").is_file() and not (candidate / "config.json").is_file():
            raise ModelUnavailableError(f"{candidate} is not a sentence-transformers model folder (no modules.json)")
        return candidate.resolve()
    if _looks_like_path(spec):
        raise ModelUnavailableError(
            f"model folder {candidate} does not exist; check --model or 'model' in settings.json"
        )
    return None


def _looks_like_path(spec: str) -> bool:
    """A spec no hub id can be (hub ids are ``name`` or ``owner/name``)."""
    return spec.startswith(("/", "./", "../", "~")) or "\\" in spec or spec.count("/") > 1


def _load_from(name_or_path: str, local_files_only: bool) -> Any:
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(name_or_path, device="cpu", local_files_only=local_files_only)
    except Exception as error:  # any loading failure becomes one clear message
        offline = local_files_only and not Path(name_or_path).exists()
        where = " offline (HF_HUB_OFFLINE is set; only locally cached models load)" if offline else ""
        raise ModelUnavailableError(
            f"cannot load model {name_or_path}{where}: {type(error).__name__}: {error}"
        ) from error
