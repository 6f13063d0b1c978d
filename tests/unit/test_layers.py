"""The rooms' doors: faces use services, services reach the store through the unit of work, and only
the store writes SQL. Read from the source, so a shortcut fails here before anyone relies on it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import ledgerlink

ROOT = Path(ledgerlink.__file__).parent
FACES = ("web", "cli", "worker", "api.py")


@dataclass(frozen=True)
class Imported:
    module: str  # the module named by the import statement
    names: tuple[str, ...]  # the names taken from it (empty for `import module`)
    line: int


def _modules(*rooms: str) -> list[Path]:
    paths: list[Path] = []
    for room in rooms:
        found = ROOT / room
        paths.extend([found] if found.is_file() else sorted(found.rglob("*.py")))
    return paths


def _outside(*rooms: str) -> list[Path]:
    kept = set(_modules(*rooms))
    return [path for path in sorted(ROOT.rglob("*.py")) if path not in kept]


def _imports(path: Path) -> Iterator[Imported]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Imported(alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield Imported(node.module, tuple(alias.name for alias in node.names), node.lineno)


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT.parent)}:{line}"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize("path", _modules(*FACES), ids=lambda path: str(path.relative_to(ROOT)))
def test_a_face_imports_neither_sqlalchemy_nor_the_stores_repositories(path: Path) -> None:
    wrong = [
        f"{_where(path, found.line)} imports {found.module} {', '.join(found.names)}".strip()
        for found in _imports(path)
        if _within(found.module, "sqlalchemy")
        or (_within(found.module, "ledgerlink.store") and found.module != "ledgerlink.store")
        or (
            found.module == "ledgerlink.store"
            and any(name == "UnitOfWork" or name.endswith("Repository") for name in found.names)
        )
    ]
    assert not wrong, "a face uses services, and of the store only what `ledgerlink.store` exports"


@pytest.mark.parametrize("path", _modules(*FACES), ids=lambda path: str(path.relative_to(ROOT)))
def test_a_face_never_opens_a_unit_of_work(path: Path) -> None:
    wrong = [
        _where(path, node.lineno)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in ("unit_of_work", "engine")
    ]
    assert not wrong, "a face calls a service, which opens the unit of work it needs"


def test_only_the_store_imports_sqlalchemy() -> None:
    wrong = [
        _where(path, found.line)
        for path in _outside("store")
        for found in _imports(path)
        if _within(found.module, "sqlalchemy")
    ]
    assert not wrong, "SQL is the store's to write: add a repository method instead"


def test_only_the_store_builds_repositories_or_touches_a_session() -> None:
    wrong: list[str] = []
    for path in _outside("store"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                called = (
                    node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                )
                if called.endswith("Repository"):
                    wrong.append(f"{_where(path, node.lineno)} builds {called}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "session"
                and isinstance(node.value, ast.Name)
                and node.value.id == "uow"
            ):
                wrong.append(f"{_where(path, node.lineno)} reads uow.session")
    assert not wrong, "services reach every repository through the unit of work (uow.outbox(...), ...)"
