"""Matching quality on FEBRL 4 held in CI, so a change that links wrongly or misses links is caught.

Reads the shared dataset (../shared/datasets/febrl4, or $LEDGERLINK_SHARED_DIR/datasets/febrl4) with
the benchmark's own loader; skipped with the place looked at when the dataset is not there.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ledgerlink.matching import match

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "matching_febrl.py"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("matching_febrl_benchmark", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_febrl4_sure_links_are_right_and_few_links_are_missed() -> None:
    bench = _benchmark()
    place = bench.find_dataset()
    if place is None:
        looked = ", ".join(str(p) for p in bench.dataset_candidates())
        pytest.skip(f"FEBRL 4 dataset not found (looked in {looked})")
    left = bench.read_parties(place / "dataset4a.csv")
    right = bench.read_parties(place / "dataset4b.csv")
    result = match(left, right)

    sure = bench.quality(((p.left_id, p.right_id) for p in result.proposals if p.band == "sure"), 5000)
    both = bench.quality(((p.left_id, p.right_id) for p in result.proposals), 5000)
    assert sure.precision >= 0.999, sure.line("sure")
    assert both.f1 >= 0.99, both.line("sure+likely")
