"""``nqp-xl bundle``: an offline installer folder for a PC without internet (SPEC Part 3).

The folder holds ``wheels/`` (nqp-xl's wheel and every dependency's for the target Python and
platform, resolved by :mod:`.wheels`), ``install.bat`` for Windows (``install.sh`` for other
platforms), the workbook template, the guides, a README and ``SHA256SUMS``.  It is built in a
hidden folder beside DIR and renamed into place, so a failure leaves nothing half written.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

from .wheels import PYTHONS, WINDOWS, BundleError, Resolver, Target, native_platform, unmet

Progress = Callable[[str], None] | None
SOURCE = Path(__file__).resolve().parents[3]          # the checkout nqp_xl is imported from
GUIDES = ("guide.en.md", "guide.zh.md", "functions.md")
TEMPLATE = "workbook_template.xlsm"
NOT_BUILT = (".*", "build", "dist", "*.egg-info", "tests", "benchmarks", "docs", "nqp-demo", "out", "*.xlsm")  # top level


def build(output: str, target: Target, wheel: str | None = None, force: bool = False, progress: Progress = None,
          pip_args: tuple[str, ...] = (), source: Path = SOURCE) -> dict[str, str]:
    """Write the bundle to ``output``; answers {file name: version} of the wheels in it."""
    out = Path(output).resolve()
    if out.exists() and not (out.is_dir() and not any(out.iterdir())) and not force:
        raise BundleError(f"{output} exists; give another folder or --force to replace it")
    if not out.parent.is_dir():
        raise BundleError(f"the folder {out.parent} does not exist")
    if wheel is None:
        _need_source(source)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        wheels = tmp / "wheels"
        wheels.mkdir()
        root = shutil.copy(wheel, wheels) if wheel else _build_wheel(source, wheels, progress)
        chosen = Resolver(target, str(wheels), pip_args, progress).resolve(root)
        missing = unmet(sorted(str(p) for p in wheels.glob("*.whl")), target.markers())
        if missing:
            raise BundleError("the wheels do not meet every requirement: " + "; ".join(missing[:3]))
        name = next(iter(chosen.values())).name
        _write_scripts(tmp, name, target)
        _copy_documents(tmp, source)
        if progress:
            progress("writing SHA256SUMS")
        _write_sums(tmp)
        _replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {Path(c.path).name: str(c.version) for c in chosen.values()}


def _need_source(source: Path) -> None:
    if not (source / "pyproject.toml").is_file() or not (source / "docs").is_dir():
        raise BundleError(f"no nqp-xl source folder (pyproject.toml, docs) at {source}: run nqp-xl bundle from a "
                          "checkout installed with pip install -e, or give --wheel")


def _build_wheel(source: Path, folder: Path, progress: Progress) -> str:
    if progress:
        progress(f"building the nqp-xl wheel from {source}")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".build-") as tmp:
        # a clean copy: an in-tree build would leave build/ in the checkout and could package
        # modules that were deleted from it since the last build
        copy = shutil.copytree(source, os.path.join(tmp, "src"), ignore=_not_built(source))
        run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                              "-q", "-w", tmp, copy], capture_output=True, text=True)
        made = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if run.returncode != 0 or len(made) != 1:
            last = (run.stderr.strip().splitlines() or ["no wheel was written"])[-1]
            raise BundleError(f"could not build the nqp-xl wheel from {source}: {last}")
        return shutil.move(os.path.join(tmp, made[0]), folder / made[0])


def _not_built(source: Path):
    top = shutil.ignore_patterns(*NOT_BUILT)
    return lambda folder, names: top(folder, names) if Path(folder) == source else \
        {n for n in names if n == "__pycache__"}


INSTALL_BAT = r"""@echo off
rem Installs {name} and every package it needs from the wheels folder beside this file:
rem no internet needed.  Made by nqp-xl bundle for Python {python} ({bits}) on {platform}.
rem Usage: install.bat            (uses "py -{python}" or else "python")
rem        install.bat C:\path\to\python.exe
setlocal
set "HERE=%~dp0"
set "PY=python"
set "PYV="
py -{python} --version >nul 2>&1 && (set "PY=py" & set "PYV=-{python}")
if not "%~1"=="" (set "PY=%~1" & set "PYV=")
"%PY%" %PYV% -c "import sys, struct; ok = sys.version_info[:2] == ({major}, {minor}) and struct.calcsize('P') * 8 == {bits_n}; print('Python', sys.version.split()[0], struct.calcsize('P') * 8, 'bit, at', sys.executable); sys.exit(0 if ok else 1)"
if errorlevel 1 (
  echo This folder is for Python {python} {bits}. Install Python {python} {bits} from python.org, or give its python.exe: install.bat C:\path\to\python.exe
  exit /b 1
)
"%PY%" %PYV% -m pip install --no-index --find-links "%HERE%wheels" {name}
if errorlevel 1 (
  echo The installation failed: see the lines above.
  exit /b 1
)
"%PY%" %PYV% -c "import nqp_xl, nqp_udfs; print('{name}', nqp_xl.__version__, 'is installed')"
if errorlevel 1 exit /b 1
"%PY%" %PYV% -m nqp_xl doctor "%HERE%{template}"
exit /b 0
"""

INSTALL_SH = """#!/bin/sh
# Installs {name} and every package it needs from the wheels folder beside this file:
# no internet needed.  Made by nqp-xl bundle for Python {python} on {platform}.
# Usage: sh install.sh [PYTHON]      (default python{python}; give a virtual environment's python)
set -e
HERE="$(cd "$(dirname "$0")" && pwd)"
PY="${{1:-python{python}}}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != ({major}, {minor}))'; then
  echo "This folder is for Python {python}; give its python: sh install.sh /path/to/python{python}" >&2
  exit 1
fi
"$PY" -m pip install --no-index --find-links "$HERE/wheels" {name}
"$PY" -c "import nqp_xl, nqp_udfs; print('{name}', nqp_xl.__version__, 'is installed')"
"""

README = """{name} offline installer for Python {python} on {platform}
=====================================================

1. Install Python {python} (python.org) if the PC has none.
2. Run {script}. It installs {name} from the wheels folder (no internet needed)
   and prints the installed version, then what `nqp-xl doctor` finds.
3. Open {template}. docs/guide.en.md, section "For IT", says what Excel must allow.

Check the files: every line of SHA256SUMS is "<sha256>  <file>".

{name} 离线安装包（Python {python}，{platform}）
1. 若电脑没有 Python，先安装 Python {python}（python.org）。
2. 运行 {script}：从 wheels 文件夹安装（无需联网），并显示版本号和 `nqp-xl doctor` 的检查结果。
3. 打开 {template}。IT 人员须放行的内容见 docs/guide.zh.md 的“给 IT 人员”一节。
"""


def _write_scripts(folder: Path, name: str, target: Target) -> None:
    major, minor = target.python.split(".")
    fields = dict(name=name, python=target.python, platform=target.platform, major=major, minor=minor,
                  template=TEMPLATE, bits="32-bit" if target.platform == "win32" else "64-bit",
                  bits_n=32 if target.platform == "win32" else 64,
                  script="install.bat" if target.windows else "sh install.sh")
    if target.windows:
        (folder / "install.bat").write_bytes(INSTALL_BAT.format(**fields).replace("\n", "\r\n").encode("ascii"))
    else:
        script = folder / "install.sh"
        script.write_text(INSTALL_SH.format(**fields), encoding="utf-8", newline="\n")
        script.chmod(0o755)
    (folder / "README.txt").write_text(README.format(**fields), encoding="utf-8-sig",
                                       newline="\r\n" if target.windows else "\n")


def _copy_documents(folder: Path, source: Path) -> None:
    if (source / TEMPLATE).is_file():
        shutil.copy(source / TEMPLATE, folder / TEMPLATE)
    else:
        # an installed nqp-xl without its checkout; imported here: the builder (XlsxWriter, the
        # engine) would cost every command's start-up, as cli imports this module to register bundle
        from ..template.build import build as build_template
        from ..template.contract import UDF_MODULE
        from .refresh import import_udfs

        build_template(str(folder / TEMPLATE), None, udfs=import_udfs([UDF_MODULE]))
    (folder / "docs").mkdir()
    for guide in GUIDES:
        if (source / "docs" / guide).is_file():
            shutil.copy(source / "docs" / guide, folder / "docs" / guide)


def _write_sums(folder: Path) -> None:
    """``sha256sum -c SHA256SUMS`` checks it (PowerShell: Get-FileHash)."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        lines.append(f"{h.hexdigest()}  {path.relative_to(folder).as_posix()}\n")
    (folder / "SHA256SUMS").write_text("".join(lines), encoding="ascii", newline="\n")


def _replace(tmp: Path, out: Path) -> None:
    """Rename the finished folder into place (an old one is moved aside first, then removed)."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.replace(out, old / "previous")
    try:
        os.replace(tmp, out)
    except OSError:
        if old is not None:
            os.replace(old / "previous", out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- command line

def add_parser(sub, progress_factory) -> None:
    here = native_platform()
    s = sub.add_parser("bundle", help="write an offline installer folder (wheels, install.bat, template, guides)",
                       description="Write a folder that installs nqp-xl on a PC without internet: nqp-xl's wheel and "
                       "the wheel of every package it needs for that Python and platform (pywin32 included for "
                       "Windows), install.bat (install.sh for other platforms), the workbook template, the guides "
                       "and SHA256SUMS. Downloads from the package index pip is set up for. Refuses, naming the "
                       "package, when one has no wheel for the target.")
    s.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write")
    s.add_argument("--python", choices=PYTHONS, default=f"{sys.version_info.major}.{sys.version_info.minor}"
                   if f"{sys.version_info.major}.{sys.version_info.minor}" in PYTHONS else PYTHONS[-1],
                   help="the Python version of the PC (default: this one's)")
    s.add_argument("--platform", choices=sorted(set(WINDOWS) | {here}), default=here,
                   help=f"the PC's platform: win_amd64 for 64-bit Windows (default: this machine's, {here})")
    s.add_argument("--wheel", metavar="FILE.whl", help="use this nqp-xl wheel instead of building one from the checkout")
    s.add_argument("--force", action="store_true", help="replace DIR if it exists")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    s.set_defaults(func=lambda args: run(args, progress_factory(args.quiet)))


def run(args, progress: Progress) -> int:
    try:
        if args.wheel and not os.path.isfile(args.wheel):
            raise BundleError(f"--wheel {args.wheel}: no such file")
        target = Target(args.python, args.platform)
        got = build(args.output, target, args.wheel, args.force, progress)
    except BundleError as err:
        print(f"nqp-xl: error: {err}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in Path(args.output).rglob("*") if p.is_file())
    script = "install.bat" if target.windows else "install.sh"
    print(f"wrote {args.output}: {len(got)} wheels for {target.describe()} ({size / 1e6:.0f} MB), {script}, "
          f"{TEMPLATE}, the guides and SHA256SUMS. On the PC: copy the folder, run {script}.")
    return 0
