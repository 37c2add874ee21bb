"""environment.yml (conda) and pyproject.toml (pip) must pin the same versions."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: Requirement) -> str:
    return re.sub(r"[-_.]+", "-", requirement.name).lower()


def _pins(lines) -> dict[str, Requirement]:
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if not line or line.startswith("-"):  # "-e ." installs the package itself
            continue
        requirement = Requirement(line)
        pins[_name(requirement)] = requirement
    return pins


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def conda() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


@pytest.fixture(scope="module")
def conda_pip(conda) -> list[str]:
    sections = [d["pip"] for d in conda["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(sections) == 1, "environment.yml must have exactly one pip: section"
    return sections[0]


def test_conda_installs_the_package_itself(conda_pip):
    assert "-e ." in [line.strip() for line in conda_pip]


def test_conda_python_is_a_supported_version(conda, pyproject):
    pythons = [d for d in conda["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert len(pythons) == 1
    version = pythons[0].split("=", 1)[1]
    minimum = pyproject["project"]["requires-python"].removeprefix(">=")
    as_tuple = lambda text: tuple(int(part) for part in text.split("."))  # noqa: E731
    assert as_tuple(version) >= as_tuple(minimum)


def test_every_pyproject_requirement_is_pinned_exactly(pyproject):
    project = pyproject["project"]
    for line in project["dependencies"] + project["optional-dependencies"]["dev"]:
        specifiers = list(Requirement(line).specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{line} is not pinned with =="


def test_runtime_and_dev_requirements_are_all_in_environment_yml(pyproject, conda_pip):
    project = pyproject["project"]
    wanted = _pins(project["dependencies"] + project["optional-dependencies"]["dev"])
    present = _pins(conda_pip)
    missing = sorted(set(wanted) - set(present))
    assert not missing, f"in pyproject.toml but not in environment.yml: {missing}"


def test_shared_packages_have_equal_pins(pyproject, conda_pip):
    project = pyproject["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    conda_pins = _pins(conda_pip)
    checked = 0
    for line in lines:
        requirement = Requirement(line)
        name = _name(requirement)
        if name in conda_pins:
            theirs = conda_pins[name]
            assert str(theirs.specifier) == str(requirement.specifier), (
                f"{name}: pyproject has {requirement.specifier}, environment.yml has {theirs.specifier}")
            checked += 1
    assert checked >= 6  # tensorflow, keras, numpy, scipy, matplotlib, tqdm at least
