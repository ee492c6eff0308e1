"""What gets installed is pinned and checked by hash, the same for a developer, CI and the
image, above the versions with published advisories."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
ADVISORY_FLOORS = {"aiohttp": Version("3.12.14"), "cryptography": Version("42.0.4")}
PIN = re.compile(  # name==version [; marker] \ then one or more hash lines
    r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)(?: ;[^\\]*)? \\\n"
    r"((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)",
    re.MULTILINE,
)


def pins(lock: str) -> dict[str, Version]:
    text = (ROOT / lock).read_text()
    found: dict[str, Version] = {
        canonicalize_name(name): Version(version) for name, version, _ in PIN.findall(text)
    }
    requirement_lines = [line for line in text.splitlines() if line and line[0].isalnum()]
    assert len(found) == len(requirement_lines), "a requirement without a pin or a hash"
    return found


def requirements(*groups: str) -> list[Requirement]:
    listed = list(PYPROJECT["project"]["dependencies"])
    for group in groups:
        listed += PYPROJECT["project"]["optional-dependencies"][group]
    return [Requirement(line) for line in listed]


def test_every_dependency_is_pinned_with_hashes_within_what_pyproject_allows() -> None:
    for lock, groups in (("requirements.lock", ()), ("requirements-dev.lock", ("dev",))):
        pinned = pins(lock)
        for requirement in requirements(*groups):
            version = pinned.get(canonicalize_name(requirement.name))
            assert version is not None, f"{requirement.name} is not in {lock}"
            assert requirement.specifier.contains(version), f"{lock}: {requirement} vs {version}"


def test_the_image_and_the_developers_run_the_same_versions() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev[name] for name in runtime} == runtime
    assert "pytest" not in runtime and "pytest" in dev  # no test tools in the image


def test_versions_with_published_advisories_are_excluded() -> None:
    declared: dict[str, SpecifierSet] = {
        canonicalize_name(r.name): r.specifier for r in requirements()
    }
    for name, floor in ADVISORY_FLOORS.items():
        assert not declared[name].contains(
            Version(f"{floor.major}.{floor.minor}.{floor.micro - 1}")
        )
        assert pins("requirements.lock")[name] >= floor


def test_setup_ci_and_the_image_install_from_the_locks() -> None:
    setup = (ROOT / "scripts" / "setup").read_text()
    assert "--require-hashes -r requirements-dev.lock" in setup
    assert "--no-deps" in setup  # regbot itself adds nothing unpinned
    assert "scripts/setup" in (ROOT / "scripts" / "test").read_text()
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert re.search(r"pip install --no-deps --no-build-isolation \.", dockerfile)
