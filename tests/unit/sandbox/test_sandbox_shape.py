"""Every sandbox has one shape: the same modules, a config and state built on the kit's, one router.

A reader who knows one sandbox knows all, and a new package's sandbox copies the pattern; these tests
hold each folder under `ledgerlink/sandbox/` (the kit aside) to it.

One rule bends for a sandbox that runs its package's real engine (`SandboxEntry.real_engine`): it
holds no records of its own (the engine does, in its own process), so it has no `models`, `records` or
`query` module to hold to the pattern; everything else (the kit's config, state, router, admin API,
consent page, limits) it has like the others.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from types import ModuleType

import pytest
from starlette.routing import Route

import ledgerlink.sandbox
from ledgerlink.sandbox.build import sandbox_app, sandbox_config
from ledgerlink.sandbox.kit import ApiRouter, Sandbox, SandboxConfig, admin_routes
from ledgerlink.sandbox.registry import get_sandbox

ROOT = Path(ledgerlink.sandbox.__file__).parent
# every sandbox has these; a package may add small modules for mechanisms of its own
MODULES = {"app", "bodies", "errors", "models", "query", "records", "responses", "sandbox", "seed"}
# a sandbox running the package's own engine keeps no records: the modules that hold and query them go
ENGINE_MODULES = MODULES - {"models", "query", "records"}
PACKAGES = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and p.name not in ("kit", "__pycache__"))


def sandbox_module(package: str) -> ModuleType:
    return import_module(f"ledgerlink.sandbox.{package}.sandbox")


def subclasses_in(module: ModuleType, base: type) -> list[type]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, base) and value is not base
    ]


def test_there_are_sandboxes_to_hold_to_the_shape() -> None:
    assert {"sage", "xero"} <= set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_sandbox_has_the_same_modules(package: str) -> None:
    present = {path.stem for path in (ROOT / package).glob("*.py")}
    wanted = ENGINE_MODULES if get_sandbox(package).real_engine else MODULES

    assert present >= wanted, f"{package} lacks {sorted(wanted - present)}"


def test_only_a_sandbox_that_runs_its_package_s_engine_goes_without_records() -> None:
    engines = {package for package in PACKAGES if get_sandbox(package).real_engine}

    assert engines == {"tryton"}
    for package in engines:
        assert not {"models", "query", "records"} & {p.stem for p in (ROOT / package).glob("*.py")}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_sandbox_builds_its_config_and_state_on_the_kits(package: str) -> None:
    [config_class] = subclasses_in(sandbox_module(package), SandboxConfig)
    [sandbox_class] = subclasses_in(sandbox_module(package), Sandbox)

    app = import_module(f"ledgerlink.sandbox.{package}.app").create_app(config_class())

    assert isinstance(app.state.sandbox, sandbox_class)
    assert config_class.env_prefix == f"LEDGERLINK_{package.upper()}_SANDBOX_"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_sandbox_declares_its_api_through_the_kits_router(package: str) -> None:
    app_module = import_module(f"ledgerlink.sandbox.{package}.app")

    assert isinstance(app_module.ROUTES, ApiRouter)
    assert app_module.ROUTES.routes


@pytest.mark.parametrize("package", PACKAGES)
def test_every_sandbox_serves_the_same_admin_api(package: str) -> None:
    app = sandbox_app(package)
    kit_paths = {(route.path, frozenset(route.methods or ())) for route in admin_routes(app.state.sandbox)}
    served = {
        (route.path, frozenset(route.methods or ())) for route in app.routes if isinstance(route, Route)
    }

    assert kit_paths <= served


@pytest.mark.parametrize("package", PACKAGES)
def test_a_sandbox_without_limits_lifts_every_limit_its_package_has(package: str) -> None:
    limited = sandbox_config(package)
    unlimited = sandbox_config(package, limits=False, time_scale=60.0)

    assert any(value is not None for value in limited.limits_json().values())
    assert set(unlimited.limits_json().values()) == {None}
    assert unlimited.time_scale == 60.0


@pytest.mark.parametrize("package", PACKAGES)
def test_every_sandbox_reads_its_limits_from_the_environment_under_its_own_prefix(package: str) -> None:
    config_class = type(sandbox_config(package))
    prefix = config_class.env_prefix

    config = config_class.from_env(
        {f"{prefix}MINUTE_LIMIT": "7", f"{prefix}DAY_LIMIT": "none", f"{prefix}ACCESS_LIFETIME": "30"}
    )

    assert (config.minute_limit, config.day_limit, config.oauth.access_lifetime) == (7, None, 30.0)
    assert config.oauth.refresh_lifetime == config_class().oauth.refresh_lifetime
