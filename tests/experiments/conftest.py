"""The experiments' tests use the evaluation tests' fixtures (settings home, cached fake encoder, corpus)."""

from tests.evaluation.conftest import cached_fake, eval_settings, shipped_releases  # noqa: F401
