"""Experiments, fault injection and load scripts: run from the repository root, never installed.

Each module runs as ``python -m experiments.<name>`` (the root is then on ``sys.path``);
they use the installed packages (corpus, index, assistant, evaluation) and, for a
deterministic encoder, ``tests.fake_encoder``. The product's own measurements stay in
``evaluation`` (``assistant eval``, ``assistant bench``).
"""
