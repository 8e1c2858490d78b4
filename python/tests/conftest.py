"""Shared fixtures: the bundled sample, the shared data sets when present,
and the Rust `classify` example's output for a JSON Lines file."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import feedback_triage as ft

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "data" / "sample.jsonl"
SHARED = ROOT.parent / "shared" / "data"


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def rust_classify(path: Path) -> dict[str, dict]:
    """The `classify` example's JSON lines for `path`, by id (built with
    cargo when needed; lines it rejects, such as repeated ids, are absent)."""
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--example", "classify", "--", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CARGO_TERM_COLOR": "never"},
    )
    assert out.returncode in (0, 1), out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    return {line["id"]: line for line in lines}


@pytest.fixture(scope="session")
def classifier() -> ft.Classifier:
    return ft.Classifier()


@pytest.fixture(scope="session")
def sample() -> list[dict]:
    return read_jsonl(SAMPLE)


@pytest.fixture(scope="session")
def sample_rust() -> dict[str, dict]:
    return rust_classify(SAMPLE)
