"""environment.yml (conda users) and pyproject.toml (pip users) must declare the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge splits some PyPI packages with extras into separate packages.
EXTRAS_AS_PACKAGES = {"dask[distributed]": ["dask", "distributed"]}
CONDA_ONLY = {"python", "quarto", "pip"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-]+(?:\[[a-z,]+\])?)\s*(.*)$", requirement.strip())
    assert match, requirement
    return match.group(1).lower(), match.group(2).replace(" ", "")


def _pyproject_requirements() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = list(data["project"]["dependencies"]) + list(data["project"]["optional-dependencies"]["test"])
    out: dict[str, str] = {}
    for req in reqs:
        name, spec = _split(req)
        for package in EXTRAS_AS_PACKAGES.get(name, [name]):
            out[package] = spec
    return out


def _conda_requirements() -> tuple[dict[str, str], list[str]]:
    data = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    pip: list[str] = []
    for dep in data["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(dep.get("pip", []))
            continue
        name, spec = _split(dep.replace("=", "==", 1) if re.match(r"^[\w\-]+=[^=]", dep) else dep)
        out[name] = spec
    return out, pip


def test_environment_yml_lists_the_same_packages_and_versions_as_pyproject():
    conda, _ = _conda_requirements()
    conda_python_packages = {k: v for k, v in conda.items() if k not in CONDA_ONLY}
    assert conda_python_packages == _pyproject_requirements()


def test_environment_yml_installs_quarto_and_the_project_itself():
    conda, pip = _conda_requirements()
    assert "quarto" in conda
    assert conda["python"] == "==3.11"
    assert "-e ." in pip


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_every_pinned_dependency_is_in_the_lock():
    lock = _lock()
    missing = [name for name in _pyproject_requirements() if name.replace("_", "-") not in lock]
    assert missing == []


def test_the_lock_installs_on_every_python_the_project_accepts():
    """pyproject says ``requires-python >= 3.11``; a pinned wheel that needs a later 3.11 (soupsieve 3.x/4.x needs
    3.11.5) makes ``make`` fail on Debian 12's python3.11 (3.11.2), the optimised interpreter of our machines."""
    from importlib.metadata import distributions

    from packaging.specifiers import SpecifierSet

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lowest = data["project"]["requires-python"].removeprefix(">=")
    assert lowest == "3.11"
    pins = _lock()
    refused = []
    seen = set()
    for dist in distributions():
        name = dist.metadata["Name"].lower().replace("_", "-")
        if name not in pins or name in seen:
            continue
        seen.add(name)
        assert dist.version == pins[name], f"{name}: installed {dist.version}, lock {pins[name]}"
        needs = dist.metadata.get("Requires-Python")
        if needs and not SpecifierSet(needs).contains(f"{lowest}.0"):
            refused.append(f"{name}=={dist.version} (Requires-Python {needs})")
    assert refused == []
    assert len(seen) > 0.9 * len(pins)  # the check read the installed metadata of (nearly) every pinned package
