"""The wheels an offline PC needs: a requirement tree resolved for the TARGET Python and platform.

``pip download --platform win_amd64`` evaluates environment markers for the machine it runs on,
so a Windows wheel folder built on Linux lacks ``pywin32; platform_system == "Windows"`` (and
``colorama; platform_system == "Windows"`` of click and tqdm).  Here the tree is walked from the
``Requires-Dist`` lines of each wheel's METADATA, every marker is evaluated with
``packaging.markers`` for the target's environment, and each wheel is fetched by
``pip download --only-binary=:all: --no-deps --platform ... --python-version ... --implementation cp``.

One resolution per name, first come (breadth first), as pip's own resolver without backtracking:
a later requirement the chosen version does not meet is refused with both names.  Versions
installed on this machine are preferred when they meet the requirement and the target has a
wheel for them: they are the ones the test suite ran with, and the template carries the
installed xlwings' VBA.
"""
from __future__ import annotations

import email.parser
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import Callable

from packaging import tags
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

WINDOWS = {"win_amd64": "AMD64", "win32": "x86", "win_arm64": "ARM64"}   # platform tag -> platform.machine()
PYTHONS = ("3.11", "3.12", "3.13")
NETWORK_TROUBLE = ("connection broken by", "NewConnectionError", "ProxyError", "SSLError", "ReadTimeoutError",
                   "ConnectTimeoutError")


class BundleError(Exception):
    """A problem the user can fix; the message names the package or file."""


def native_platform() -> str:
    """This machine's most specific platform tag (e.g. manylinux_2_39_x86_64, win_amd64)."""
    return next(iter(tags.platform_tags()))


@dataclass(frozen=True)
class Target:
    """The Python (major.minor, CPython) and platform tag the wheels are for."""

    python: str
    platform: str

    @property
    def windows(self) -> bool:
        return self.platform in WINDOWS

    @property
    def native(self) -> bool:
        return self.platform == native_platform()

    def describe(self) -> str:
        return f"CPython {self.python} on {self.platform}"

    def platform_tags(self) -> list[str]:
        """What pip may accept: the tag itself, or every tag this machine accepts (manylinux...)."""
        return list(tags.platform_tags()) if self.native else [self.platform]

    def markers(self) -> dict[str, str]:
        """The marker environment (PEP 508) of the target; Windows from its fixed values, this
        machine's own from packaging with the Python version replaced."""
        full = platform.python_version() if self.python == _running() else f"{self.python}.0"
        if self.windows:
            env = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
                   "platform_machine": WINDOWS[self.platform], "platform_release": "", "platform_version": ""}
        elif self.native:
            env = dict(default_environment())
        else:
            raise BundleError(f"--platform {self.platform}: give win_amd64, win32, win_arm64 or this "
                              f"machine's own {native_platform()}")
        env.update({"implementation_name": "cpython", "platform_python_implementation": "CPython",
                    "implementation_version": full, "python_full_version": full, "python_version": self.python})
        return env


def _running() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def requirements_of(wheel: str) -> list[Requirement]:
    """The Requires-Dist lines of a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as z:
        meta = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(meta) != 1:
            raise BundleError(f"{os.path.basename(wheel)} is not a wheel (no single .dist-info/METADATA)")
        headers = email.parser.BytesParser().parsebytes(z.read(meta[0]), headersonly=True)
    out = []
    for line in headers.get_all("Requires-Dist") or []:
        try:
            out.append(Requirement(line))
        except InvalidRequirement as err:
            raise BundleError(f"{os.path.basename(wheel)}: cannot read its requirement {line!r} ({err})") from None
    return out


def needed(req: Requirement, env: dict[str, str], extras: set[str]) -> bool:
    """Whether a Requires-Dist line applies on the target, with the extras asked for."""
    if req.marker is None:
        return True
    return any(req.marker.evaluate({**env, "extra": e}) for e in {""} | extras)


@dataclass
class Chosen:
    name: str
    version: Version
    path: str
    extras: set[str] = field(default_factory=set)
    by: str = ""


@dataclass
class Resolver:
    """Walks the requirement tree breadth first, one pip download per level."""

    target: Target
    folder: str                                   # where the wheels land
    pip_args: tuple[str, ...] = ()                # extra pip options (tests: --no-index --find-links)
    progress: Callable[[str], None] | None = None
    chosen: dict[str, Chosen] = field(default_factory=dict)
    pip_stderr: str = ""

    def resolve(self, root_wheel: str) -> dict[str, Chosen]:
        env = self.target.markers()
        name, version, _, _ = parse_wheel_filename(os.path.basename(root_wheel))
        self.chosen[name] = Chosen(name, version, root_wheel, by="")
        level = [(r, str(name)) for r in requirements_of(root_wheel) if needed(r, env, set())]
        while level:
            wanted: dict[str, tuple[Requirement, str]] = {}
            later: list[tuple[Requirement, str]] = []
            for req, parent in level:
                key = canonicalize_name(req.name)
                if key in self.chosen:
                    later += self._check_met(self.chosen[key], req, parent, env)
                    continue
                if key in wanted:      # two parents on one level: both ranges, all extras
                    first, parent = wanted[key]
                    req = Requirement(_spec(Requirement(req.name), extras=first.extras | req.extras,
                                            specifier=first.specifier & req.specifier))
                wanted[key] = (req, parent)
            if wanted:
                self._download(wanted)
            level = later
            for key, (req, parent) in wanted.items():
                got = self.chosen[key]
                got.extras |= set(req.extras)
                level += [(r, got.name) for r in requirements_of(got.path) if needed(r, env, got.extras)]
        return self.chosen

    def _check_met(self, got: Chosen, req: Requirement, parent: str, env: dict[str, str]) -> list:
        """Refuse a version the requirement excludes; the requirements of extras asked for late."""
        if not req.specifier.contains(got.version, prereleases=True):
            raise BundleError(f"{parent} needs {req.name}{req.specifier}, but {got.by or 'the bundle'} "
                              f"brought {got.name} {got.version}; no single version fits both")
        before, got.extras = set(got.extras), got.extras | set(req.extras)
        if got.extras == before:
            return []
        return [(r, got.name) for r in requirements_of(got.path)
                if needed(r, env, got.extras) and not needed(r, env, before)]

    def _download(self, wanted: dict[str, tuple[Requirement, str]]) -> None:
        names = sorted(r.name for r, _ in wanted.values())
        if self.progress:
            shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
            self.progress(f"downloading {len(names)} wheel{'s' * (len(names) > 1)} for {self.target.describe()}: {shown}")
        pinned = {k: self._pin(req) for k, (req, _) in wanted.items()}
        if self._pip(list(pinned.values())) is None:
            self._refuse_offline()
            if self.progress:
                self.progress("pip found no wheel for one of them; trying them one by one")
            for key, (req, parent) in wanted.items():     # one by one: who has no wheel?
                if self._pip([pinned[key]]) is None and (pinned[key] == _spec(req) or self._pip([_spec(req)]) is None):
                    self._refuse_offline()
                    raise BundleError(f"{req.name} (needed by {parent}) has no wheel for {self.target.describe()} "
                                      f"matching {req.specifier or 'any version'}; a PC without internet cannot "
                                      "build it from source. Choose another --python, or ask its maintainers for a wheel")
        for key, (req, parent) in wanted.items():
            if key not in self.chosen:
                raise BundleError(f"pip downloaded no wheel named {req.name} (needed by {parent})")
            self.chosen[key].by = parent

    def _refuse_offline(self) -> None:
        """pip says "no matching distribution" also when it could not reach the index: tell them apart."""
        broken = [line for line in self.pip_stderr.splitlines() if any(w in line for w in NETWORK_TROUBLE)]
        if broken:
            where = re.search(r"(Failed to establish a new connection: [^')]*|ProxyError|SSLError|timed out)", broken[-1])
            raise BundleError("cannot reach the package index pip is set up for"
                              f"{' (' + where.group(1) + ')' if where else ''}; nqp-xl bundle downloads the wheels "
                              "from it (set pip's index-url, or PIP_INDEX_URL, to reach it or a mirror)")

    def _pin(self, req: Requirement) -> str:
        try:
            here = Version(importlib.metadata.version(req.name))
        except (importlib.metadata.PackageNotFoundError, ValueError):
            return _spec(req)
        if req.specifier.contains(here, prereleases=True):
            return f"{_spec(req, with_specifier=False)}=={here}"
        return _spec(req)

    def _pip(self, reqs: list[str]) -> list[str] | None:
        """Download into a fresh folder, move the wheels into ``self.folder``; None if pip failed."""
        with tempfile.TemporaryDirectory(dir=self.folder, prefix=".dl-") as tmp:
            cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-input", "-q",
                   "--only-binary=:all:", "--no-deps", "--implementation", "cp", "--python-version",
                   self.target.python, *[a for t in self.target.platform_tags() for a in ("--platform", t)],
                   "-d", tmp, *self.pip_args, *reqs]
            run = subprocess.run(cmd, capture_output=True, text=True)
            self.pip_stderr = run.stderr
            if run.returncode != 0:
                return None
            got = []
            for fn in sorted(os.listdir(tmp)):
                if not fn.endswith(".whl"):
                    continue
                name, version, _, _ = parse_wheel_filename(fn)
                path = os.path.join(self.folder, fn)
                shutil.move(os.path.join(tmp, fn), path)
                self.chosen[name] = Chosen(str(name), version, path)
                got.append(path)
            return got


def _spec(req: Requirement, with_specifier: bool = True, extras=None, specifier=None) -> str:
    """``name[extras]specifier`` without the marker, as pip takes it on its command line."""
    extras = sorted(req.extras if extras is None else extras)
    spec = req.specifier if specifier is None else specifier
    return f"{req.name}{'[' + ','.join(extras) + ']' if extras else ''}{spec if with_specifier else ''}"


def unmet(wheels: list[str], env: dict[str, str]) -> list[str]:
    """Requirements (markers evaluated for ``env``) that no wheel of the list meets."""
    have = {}
    for w in wheels:
        name, version, _, _ = parse_wheel_filename(os.path.basename(w))
        have[name] = version
    out = []
    for w in wheels:
        for req in requirements_of(w):
            if needed(req, env, set()):
                v = have.get(canonicalize_name(req.name))
                if v is None or not req.specifier.contains(v, prereleases=True):
                    out.append(f"{os.path.basename(w)} needs {req}")
    return out


__all__ = ["BundleError", "Target", "Resolver", "PYTHONS", "WINDOWS", "native_platform", "requirements_of",
           "needed", "unmet"]
