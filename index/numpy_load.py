"""One lock around reading numpy files, shared by every loader of an index generation.

numpy parses ``.npy`` headers with ``ast.literal_eval``. On CPython 3.11.7 two threads
doing that at once can fail with ``SystemError: AST constructor recursion depth
mismatch`` (seen when chat threads reload a new generation together), so loads
of generation files take turns.
"""

from __future__ import annotations

import threading

NUMPY_LOAD_LOCK = threading.Lock()
