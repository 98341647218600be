"""``nqp-xl bundle``: the offline installer folder.

Offline (a tiny local wheel folder made here): markers are evaluated for the target, extras are
followed, a dependency without a wheel is refused by name, and the folder is complete and
checksummed.  With the package index (skipped cleanly without it): the Windows bundle's wheels
meet every requirement for a win32 environment, checked independently here; a bundle for this
machine installs into a fresh virtual environment with --no-index and runs ``nqp-xl demo``.
"""
from __future__ import annotations

import email.parser
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from nqp_xl.workbook.commands.bundle import build
from nqp_xl.workbook.commands.wheels import BundleError, Target, native_platform
from workbook_helpers import nqp

ROOT = Path(__file__).resolve().parents[1]
HERE = f"{sys.version_info.major}.{sys.version_info.minor}"


def make_wheel(folder: Path, name: str, version: str, requires: list[str], tag: str = "py3-none-any") -> Path:
    """A minimal wheel: METADATA with Requires-Dist lines, WHEEL and an empty RECORD."""
    dist = f"{name.replace('-', '_')}-{version}"
    path = folder / f"{dist}-{tag}.whl"
    meta = "".join([f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"] +
                   [f"Requires-Dist: {r}\n" for r in requires])
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{dist}.dist-info/METADATA", meta)
        z.writestr(f"{dist}.dist-info/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {tag}\n")
        z.writestr(f"{dist}.dist-info/RECORD", "")
    return path


@pytest.fixture
def local_index(tmp_path):
    """A find-links folder: okdep -> leaf[x] -> leafx (only with the extra x); winonly has only a
    Windows wheel and is wanted only on win32; nowheel has only a source archive."""
    links = tmp_path / "links"
    links.mkdir()
    make_wheel(links, "okdep", "1.2", ["leaf[x]>=2"])
    make_wheel(links, "leaf", "2.0", ['leafx; extra == "x"', 'unused; extra == "y"'])
    make_wheel(links, "leafx", "1.0", [])
    make_wheel(links, "winonly", "3.0", [], tag="py3-none-win_amd64")
    (links / "nowheel-1.0.tar.gz").write_bytes(b"not a wheel")
    return links


def fake_root(tmp_path, requires) -> Path:
    folder = tmp_path / "root"
    folder.mkdir(exist_ok=True)
    return make_wheel(folder, "nqp-fake", "1.0", requires)


def offline(links: Path) -> tuple[str, ...]:
    return ("--no-index", "--find-links", str(links))


def names_in(folder: Path) -> set[str]:
    return {str(parse_wheel_filename(p.name)[0]) for p in (folder / "wheels").glob("*.whl")}


def test_markers_are_evaluated_for_the_target_not_this_machine(tmp_path, local_index):
    root = fake_root(tmp_path, ["okdep>=1", 'winonly; sys_platform == "win32"', 'linuxonly; sys_platform == "linux"'])
    win = build(str(tmp_path / "win"), Target("3.12", "win_amd64"), wheel=str(root), pip_args=offline(local_index))
    assert names_in(tmp_path / "win") == {"nqp-fake", "okdep", "leaf", "leafx", "winonly"}
    assert win["winonly-3.0-py3-none-win_amd64.whl"] == "3.0"
    assert (tmp_path / "win" / "install.bat").is_file() and not (tmp_path / "win" / "install.sh").exists()

    root = fake_root(tmp_path, ["okdep>=1", 'winonly; sys_platform == "win32"'])
    build(str(tmp_path / "here"), Target(HERE, native_platform()), wheel=str(root), pip_args=offline(local_index))
    assert names_in(tmp_path / "here") == {"nqp-fake", "okdep", "leaf", "leafx"}
    assert os.access(tmp_path / "here" / "install.sh", os.X_OK)


def test_a_dependency_without_a_wheel_is_refused_by_name(tmp_path, local_index):
    root = fake_root(tmp_path, ["okdep", "nowheel>=0.5"])
    with pytest.raises(BundleError, match=r"^nowheel \(needed by nqp-fake\) has no wheel for CPython 3.12 on win_amd64"):
        build(str(tmp_path / "out"), Target("3.12", "win_amd64"), wheel=str(root), pip_args=offline(local_index))
    assert sorted(os.listdir(tmp_path)) == ["links", "root"]          # nothing written, no temporary left


def test_the_command_refuses_with_exit_1_and_writes_nothing(tmp_path, local_index):
    root = fake_root(tmp_path, ['winonly; platform_system == "Windows"', 'nowheel; platform_system == "Windows"'])
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(local_index)}
    proc = subprocess.run([sys.executable, "-m", "nqp_xl.workbook.commands.cli", "bundle", "-o", str(tmp_path / "out"),
                           "--wheel", str(root), "--platform", "win_amd64", "--python", "3.12", "-q"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("nqp-xl: error: nowheel (needed by nqp-fake) has no wheel for CPython 3.12 on win_amd64")
    assert len(proc.stderr.strip().splitlines()) == 1 and not proc.stdout
    assert sorted(os.listdir(tmp_path)) == ["links", "root"]


def test_the_folder_holds_scripts_template_guides_and_true_checksums(tmp_path, local_index):
    root = fake_root(tmp_path, ["okdep"])
    out = tmp_path / "bundle"
    build(str(out), Target("3.13", "win_amd64"), wheel=str(root), pip_args=offline(local_index))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert {"install.bat", "README.txt", "SHA256SUMS", "workbook_template.xlsm", "docs/guide.en.md",
            "docs/guide.zh.md", "wheels/nqp_fake-1.0-py3-none-any.whl"} <= set(files)
    sums = dict(reversed(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text().splitlines())
    assert sorted(sums) == [f for f in files if f != "SHA256SUMS"]
    for name, digest in sums.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    assert (out / "workbook_template.xlsm").read_bytes() == (ROOT / "workbook_template.xlsm").read_bytes()
    bat = (out / "install.bat").read_bytes()
    assert b"\r\n" in bat and b"\n" not in bat.replace(b"\r\n", b"")
    text = bat.decode("ascii")
    assert '-m pip install --no-index --find-links "%HERE%wheels" nqp-fake\r\n' in text
    assert "print('nqp-fake', nqp_xl.__version__, 'is installed')" in text
    assert "py -3.13 --version" in text and "sys.version_info[:2] == (3, 13)" in text
    for variable in ("%~dp0", "%~1", "%PY%", "%PYV%", "%HERE%"):     # no other % (cmd would expand it)
        text = text.replace(variable, "")
    assert "%" not in text


def test_an_existing_folder_is_kept_unless_force(tmp_path, local_index):
    root = fake_root(tmp_path, [])
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(BundleError, match="exists; give another folder or --force"):
        build(str(out), Target("3.12", "win_amd64"), wheel=str(root), pip_args=offline(local_index))
    assert (out / "mine.txt").read_text() == "keep me"
    build(str(out), Target("3.12", "win_amd64"), wheel=str(root), force=True, pip_args=offline(local_index))
    assert not (out / "mine.txt").exists() and (out / "install.bat").exists()
    assert sorted(os.listdir(tmp_path)) == ["links", "out", "root"]


# ------------------------------------------------------------------ with the package index

@pytest.fixture(scope="module")
def package_index(tmp_path_factory):
    """Skip unless pip can fetch a wheel from the index it is set up for."""
    tmp = tmp_path_factory.mktemp("probe")
    try:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                               "--platform", "win_amd64", "--python-version", "3.12", "--implementation", "cp",
                               "-d", str(tmp), "colorama"], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("the package index does not answer (needed to build a bundle)")
    if proc.returncode != 0:
        pytest.skip("no package index reachable (needed to build a bundle): " + proc.stderr.strip()[-200:])


WIN32 = {"implementation_name": "cpython", "implementation_version": "3.12.0", "os_name": "nt",
         "platform_machine": "AMD64", "platform_python_implementation": "CPython", "platform_release": "10",
         "platform_system": "Windows", "platform_version": "10.0.19045", "python_full_version": "3.12.0",
         "python_version": "3.12", "sys_platform": "win32"}


def test_the_windows_bundle_meets_every_requirement_on_windows(tmp_path, package_index):
    """Every Requires-Dist of every wheel, its marker evaluated for a Windows PC with Python 3.12,
    is met by a wheel in the folder (pywin32 among them), and every wheel installs there."""
    out = tmp_path / "win"
    nqp("bundle", "-o", out, "--platform", "win_amd64", "--python", "3.12", "-q")
    wheels = {}
    for p in (out / "wheels").glob("*.whl"):
        name, version, _, wheel_tags = parse_wheel_filename(p.name)
        assert any(t.platform in ("any", "win_amd64") and t.interpreter in ("py3", "py2", "cp312") for t in wheel_tags), p.name
        wheels[name] = (version, p)
    assert {"nqp-xl", "xlwings", "pywin32", "numpy", "scipy", "pandas", "colorama"} <= set(wheels)
    for name, (version, path) in wheels.items():
        with zipfile.ZipFile(path) as z:
            meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
            headers = email.parser.BytesParser().parsebytes(z.read(meta), headersonly=True)
        for line in headers.get_all("Requires-Dist") or []:
            req = Requirement(line)
            if req.marker is not None and not Marker(str(req.marker)).evaluate({**WIN32, "extra": ""}):
                continue
            have = wheels.get(canonicalize_name(req.name))
            assert have is not None, f"{name} needs {line}: not in the bundle"
            assert req.specifier.contains(have[0], prereleases=True), f"{name} needs {line}, bundle has {have[0]}"
    assert "install.bat" in os.listdir(out)


def test_a_bundle_for_this_machine_installs_offline_and_runs_the_demo(tmp_path, package_index):
    out = tmp_path / "bundle"
    nqp("bundle", "-o", out, "-q")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",  # no index, no find-links but ours
               PIP_NO_COMPILE="1")                                          # (no .pyc of every module: a minute saved)
    proc = subprocess.run(["sh", str(out / "install.sh"), "venv/bin/python"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=600)             # run from another folder, Python relative
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1].startswith("nqp-xl ") and "is installed" in proc.stdout
    demo = subprocess.run([str(venv / "bin" / "nqp-xl"), "demo", "-o", str(tmp_path / "demo"), "-q"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "KMO" in demo.stdout and (tmp_path / "demo").is_dir()


def test_an_unreachable_index_is_not_called_a_missing_wheel(tmp_path, local_index):
    """pip answers "no matching distribution" also when the index does not answer; the bundle
    says which it was (a refused connection to a local port, one retry)."""
    root = fake_root(tmp_path, ["okdep"])
    with pytest.raises(BundleError, match=r"^cannot reach the package index pip is set up for \(Failed to establish"):
        build(str(tmp_path / "out"), Target("3.12", "win_amd64"), wheel=str(root),
              pip_args=("--index-url", "http://127.0.0.1:9/simple", "--retries", "1"))
    assert sorted(os.listdir(tmp_path)) == ["links", "root"]
