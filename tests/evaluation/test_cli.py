"""`assistant eval ...` through typer's CliRunner, with the fake encoder."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from evaluation.cli import register

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test host for the plugin."""

    register(app)
    return app


def test_register_adds_eval_with_its_commands() -> None:
    result = runner.invoke(_app(), ["eval", "--help"])
    assert result.exit_code == 0
    for command in ("golden", "ntrex", "compare"):
        assert command in result.output


def test_unknown_mode_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(_app(), ["eval", "golden", "--mode", "dense,sparse", "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown mode sparse" in result.output


def test_ntrex_then_compare(tmp_path: Path, ntrex_dir: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    args = ["eval", "ntrex", "--data", str(ntrex_dir), "--limit", "1", "--tasks", "headline", "--mode", "dense,lexical"]
    result = runner.invoke(_app(), [*args, "--model", "fake:64", "--home", str(home), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "NTREX headline" in result.output and "Report:" in result.output
    runs = sorted((out / "runs").glob("*.run.json"))
    assert [path.name.split("-")[2] for path in runs] == ["dense", "lexical"]

    compared = runner.invoke(_app(), ["eval", "compare", str(runs[0]), str(runs[1]), "--test", "student"])
    assert compared.exit_code == 0, compared.output
    assert "MRR@10" in compared.output
    assert list(out.glob("runs/compare-*.md"))


def test_missing_ntrex_folder_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(
        _app(), ["eval", "ntrex", "--data", str(tmp_path / "none"), "--model", "fake:64", "--home", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "NTREX data folder not found" in result.output


def test_compare_refuses_runs_of_different_tasks(tmp_path: Path, ntrex_dir: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    args = ["eval", "ntrex", "--data", str(ntrex_dir), "--limit", "1", "--tasks", "headline,mixed", "--mode", "dense"]
    assert runner.invoke(_app(), [*args, "--model", "fake:64", "--home", str(home), "--out", str(out)]).exit_code == 0
    headline = next((out / "runs").glob("ntrex-headline-*.run.json"))
    mixed = next((out / "runs").glob("ntrex-mixed-*.run.json"))
    result = runner.invoke(_app(), ["eval", "compare", str(headline), str(mixed)])
    assert result.exit_code == 1
    assert "qrels differ" in result.output
