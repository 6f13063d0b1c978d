"""A ledgerlink process keeps the garbage collector as the sender's benchmarks measured it."""

from __future__ import annotations

import gc

import pytest

import ledgerlink.cli as cli
from ledgerlink.cli.collector import YOUNG_OBJECTS_BEFORE_A_COLLECTION


def test_every_command_runs_with_what_started_frozen_and_young_objects_collected_seldom(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, int] = {}

    def command() -> None:
        seen["young objects before a collection"] = gc.get_threshold()[0]
        seen["frozen"] = gc.get_freeze_count()

    cli.build_app()  # its commands registered on the real app, which this test then stands in for
    monkeypatch.setattr(cli, "app", command)
    thresholds = gc.get_threshold()
    try:
        cli.main()
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert seen["young objects before a collection"] == YOUNG_OBJECTS_BEFORE_A_COLLECTION == 50_000
    assert seen["frozen"] > 10_000  # the modules and the app, at the least
