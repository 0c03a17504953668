"""`make test` on a fresh machine (issue 26, item 12): tools/system-packages.sh installs the Debian packages the
tests need when it can, and otherwise stops at once with one line naming the command to run. The script runs
here with a PATH of test doubles (``id``, ``apt-get``, ``sudo``, ``dpkg-query``), so nothing is installed."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "tools" / "system-packages.sh"
SH = shutil.which("sh") or "/bin/sh"


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!{SH}\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _run(tmp_path: Path, *, uid: int, apt: bool, sudo: bool | None, chromium: bool = False,
         fonts: bool = True) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    _stub(bin_dir, "id", f'[ "$1" = -u ] && echo {uid}')
    _stub(bin_dir, "dpkg-query", "echo 'install ok installed'" if fonts else "exit 1")
    if apt:
        _stub(bin_dir, "apt-get", f'echo "apt-get $*" >> "{log}"')
    if sudo is not None:
        _stub(bin_dir, "sudo", f'[ "$1" = -n ] && shift; {"" if sudo else "exit 1"}\n'
                               f'[ "$1" = true ] && exit 0\necho "sudo" >> "{log}"; exec "$@"')
    if chromium:
        _stub(bin_dir, "chromium", "exit 0")
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    done = subprocess.run([SH, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30, check=False)
    calls = log.read_text().splitlines() if log.exists() else []
    return done, calls


def test_nothing_happens_when_the_packages_are_there(tmp_path: Path):
    done, calls = _run(tmp_path, uid=1000, apt=True, sudo=None, chromium=True)
    assert (done.returncode, done.stderr, calls) == (0, "", [])


def test_root_installs_the_missing_packages_with_apt_get(tmp_path: Path):
    done, calls = _run(tmp_path, uid=0, apt=True, sudo=None, fonts=False)
    assert done.returncode == 0, done.stderr
    assert calls == ["apt-get update -qq",
                     "apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core"]


def test_a_user_with_passwordless_sudo_installs_with_sudo(tmp_path: Path):
    done, calls = _run(tmp_path, uid=1000, apt=True, sudo=True)
    assert done.returncode == 0, done.stderr
    assert calls == ["sudo", "apt-get update -qq", "sudo",
                     "apt-get install -y -qq --no-install-recommends chromium"]


@pytest.mark.parametrize("sudo", [None, False], ids=["no-sudo", "sudo-asks-a-password"])
def test_without_root_or_sudo_it_stops_at_once_with_the_command_to_run(tmp_path: Path, sudo: bool | None):
    done, calls = _run(tmp_path, uid=1000, apt=True, sudo=sudo)
    assert done.returncode == 1 and calls == []
    assert done.stderr.strip() == (
        "make test: missing Debian packages; run: sudo apt-get install -y --no-install-recommends chromium"
    )


def test_without_apt_it_stops_with_one_line(tmp_path: Path):
    done, calls = _run(tmp_path, uid=0, apt=False, sudo=None)
    assert done.returncode == 1 and calls == []
    assert len(done.stderr.strip().splitlines()) == 1 and "chromium" in done.stderr


def test_make_test_checks_the_system_packages_first_and_ci_runs_the_readme_command():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    target = re.search(r"^test:([^\n]*)\n((?:\t[^\n]*\n)+)", makefile, re.MULTILINE)
    assert target and target.group(1).split()[0] == "system-packages"
    assert re.search(r"^system-packages:\n\t@sh tools/system-packages.sh$", makefile, re.MULTILINE)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make test   # set-up" in readme
    ci = [line for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line and not line.startswith("#")]
    assert ci[-1] == "make test" and not any("apt-get" in line for line in ci)
    assert os.access(SCRIPT, os.R_OK)
