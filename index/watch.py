"""``assistant index watch``: keep the index in step with the corpus folder.

A watchdog observer notes every change under the folder (a release added, changed,
removed or renamed; a ``NAME.meta.yaml`` sidecar edited). Changes are debounced: the
index is rebuilt once the folder has been quiet for ``debounce`` seconds, so copying
twenty files costs one build, and a file still being copied is read only when its
writes have stopped (a half-copied PDF that slips through is reported as truncated and
read again at its next write). Each rebuild is ``build_index`` over the whole folder:
only new or changed releases are embedded, and the new generation is published
atomically, so the chat never sees a half-built index; its next question opens it.
Bad files are reported by name and reason; the rest is still indexed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus.loader import FileProblem, load_corpus
from index.build import BuildReport, build_index
from index.encoder import Encoder
from index.settings import Settings

DEFAULT_DEBOUNCE_SECONDS = 2.0
_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class WatchRound:
    """One rebuild: its build report (None when nothing could be indexed) and the skipped files."""

    report: BuildReport | None
    problems: list[FileProblem]
    error: str = ""


class ChangeFlag:
    """Set by filesystem events, with the time of the latest one (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: float | None = None

    def touch(self) -> None:
        with self._lock:
            self._last = time.monotonic()

    def quiet_for(self, seconds: float) -> bool:
        """True (and cleared) when a change is pending and nothing changed for ``seconds``."""
        with self._lock:
            if self._last is None or time.monotonic() - self._last < seconds:
                return False
            self._last = None
            return True


def rebuild(settings: Settings, encoder: Encoder) -> WatchRound:
    """Index exactly the releases now in the corpus folder."""
    try:
        loaded = load_corpus(settings.corpus_dir)
    except Exception as error:  # the folder vanished or cannot be listed: keep serving the last index
        return WatchRound(None, [], f"cannot read the corpus folder: {error}")
    if not loaded.releases:
        return WatchRound(None, loaded.problems, f"no usable release files in {settings.corpus_dir}; index unchanged")
    try:
        report = build_index(settings, encoder, loaded.releases, progress=False, boilerplate=loaded.boilerplate)
    except Exception as error:  # e.g. another writer holds the lock: the next change retries
        return WatchRound(None, loaded.problems, f"index not updated: {error}")
    return WatchRound(report, loaded.problems)


def watch_corpus(
    settings: Settings,
    encoder: Encoder,
    on_round: Callable[[WatchRound], None],
    *,
    debounce: float = DEFAULT_DEBOUNCE_SECONDS,
    stop: threading.Event | None = None,
) -> None:
    """Build once, then rebuild after each quiet burst of changes until ``stop`` is set (or Ctrl+C)."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    folder = Path(settings.corpus_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder {folder} not found: create it or pass --corpus DIR")
    flag = ChangeFlag()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in {"opened", "closed_no_write"}:
                return  # reads (including the build's own) change nothing
            paths = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
            if all(_hidden(path, folder) for path in paths if path):
                return
            flag.touch()

    stop = stop or threading.Event()
    observer = Observer()
    observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    try:
        on_round(rebuild(settings, encoder))
        while not stop.wait(_POLL_SECONDS):
            if flag.quiet_for(debounce):
                on_round(rebuild(settings, encoder))
    finally:
        observer.stop()
        observer.join(timeout=5)


def _hidden(path: str, folder: Path) -> bool:
    try:
        parts = Path(path).relative_to(folder).parts
    except ValueError:
        return True
    return any(part.startswith(".") for part in parts)
