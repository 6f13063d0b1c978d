"""The README's Layout table and the source tree describe each other: no room missing, none made up."""

from __future__ import annotations

import re
from pathlib import Path

import ledgerlink

PACKAGE = Path(ledgerlink.__file__).parent
ROOT = PACKAGE.parent.parent
README = ROOT / "README.md"


def _layout_paths(readme: str) -> list[str]:
    """Every path in backticks in the first column of the Layout section's table."""
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    paths: list[str] = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first_column = line.split("|")[1]
        paths.extend(re.findall(r"`([^`]+)`", first_column))
    return paths


def _rooms() -> list[str]:
    """Each folder one level down in the package, and each capability of the services."""
    folders = [path for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"]
    services = [
        path
        for path in (PACKAGE / "services").iterdir()
        if (path.is_dir() and path.name != "__pycache__")
        or (path.suffix == ".py" and path.name != "__init__.py")
    ]
    return sorted(
        str(path.relative_to(ROOT)) + ("/" if path.is_dir() else "") for path in [*folders, *services]
    )


def test_each_row_of_the_layout_names_something_that_exists() -> None:
    paths = _layout_paths(README.read_text(encoding="utf-8"))
    assert paths, "the README has no Layout table"
    assert [path for path in paths if not (ROOT / path).exists()] == []


def test_each_folder_of_the_package_and_each_service_has_its_row_in_the_layout() -> None:
    named = {path.rstrip("/") for path in _layout_paths(README.read_text(encoding="utf-8"))}
    assert [room for room in _rooms() if room.rstrip("/") not in named] == []


def test_each_package_folder_says_what_it_holds() -> None:
    folders = [init.parent for init in PACKAGE.rglob("__init__.py")]
    code_folders = {path.parent for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts}
    assert sorted(str(folder.relative_to(PACKAGE)) for folder in code_folders - set(folders)) == []
    silent = [
        str(folder.relative_to(PACKAGE))
        for folder in folders
        if not (folder / "__init__.py").read_text(encoding="utf-8").lstrip().startswith('"""')
    ]
    assert silent == []
