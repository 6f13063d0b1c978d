"""A package is one plugin: its name appears only in its own two folders and in the two registries.

Adding a package is then adding `packages/<name>/`, `sandbox/<name>/`, their tests and one line in
each registry; nothing in the engine, the store, the services or the faces has to learn its name.
"""

from __future__ import annotations

import re
from pathlib import Path

import ledgerlink
from ledgerlink.packages.registry import package_names
from ledgerlink.sandbox.registry import sandbox_names

SOURCE = Path(ledgerlink.__file__).parent
REGISTRIES = {Path("packages/registry.py"), Path("sandbox/registry.py")}
# One word of an identifier or of prose: "SageConnector" is Sage and Connector, "LEDGERLINK_SAGE_URL"
# is LEDGERLINK, SAGE and URL, while "usage" and "message" hold no package's name.
WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def words(line: str) -> set[str]:
    return {word.lower() for word in WORD.findall(line)}


def may_name(path: Path, name: str) -> bool:
    """Whether a file (relative to the ledgerlink package) may name this package."""
    return path in REGISTRIES or path.parts[:2] in (("packages", name), ("sandbox", name))


def source_files() -> list[Path]:
    """Every text file of the product: its Python, and the web's templates and static files (not the
    minified libraries, which are someone else's)."""
    found = list(SOURCE.rglob("*.py"))
    found += [path for path in (SOURCE / "web").rglob("*.*") if path.suffix in (".html", ".css", ".js")]
    return sorted(path for path in found if ".min." not in path.name)


def misplaced_names(names: set[str]) -> list[str]:
    misplaced = []
    for path in source_files():
        relative = path.relative_to(SOURCE)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for name in sorted(names & words(line)):
                if not may_name(relative, name):
                    misplaced.append(f"{relative}:{number}: {name}: {line.strip()}")
    return misplaced


def test_every_package_has_a_sandbox_and_every_sandbox_a_package() -> None:
    assert package_names() == sandbox_names()


def test_a_package_is_named_only_in_its_own_folders_and_the_registries() -> None:
    misplaced = misplaced_names(set(package_names()) | set(sandbox_names()))
    assert misplaced == [], "move these into the package's plugin, or ask the registry:\n" + "\n".join(
        misplaced
    )


def test_the_check_finds_a_name_however_it_is_written() -> None:
    for written in ("SageConnector", "sage_api_url", "LEDGERLINK_SAGE_API_URL", '"sage"', "Sage's", "a-sage"):
        assert "sage" in words(written), written
    for not_a_name in ("usage", "message", "passage", "sageone"):
        assert "sage" not in words(not_a_name), not_a_name


def test_the_check_allows_only_the_packages_own_folders_and_the_registries() -> None:
    assert may_name(Path("packages/sage/mapping.py"), "sage")
    assert may_name(Path("sandbox/sage/app.py"), "sage")
    assert may_name(Path("packages/registry.py"), "sage")
    assert not may_name(Path("packages/xero/mapping.py"), "sage")
    assert not may_name(Path("packages/base.py"), "sage")
    assert not may_name(Path("services/demo/fleet.py"), "sage")
    assert not may_name(Path("settings.py"), "sage")
