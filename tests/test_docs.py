"""The documentation keeps up with the functions.

* docs/functions.md is what docs/make_reference.py makes from udfs/nqp_udfs.py now;
* every NQP_ function has a docstring whose first paragraph fits Excel's function wizard
  (255 characters);
* both user guides mention every NQP_ function by name.
"""
from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nqp_udfs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FUNCTIONS = sorted(n for n in dir(nqp_udfs) if n.startswith("NQP_") and callable(getattr(nqp_udfs, n)))
WIZARD_LIMIT = 255


def test_there_are_functions():
    assert "NQP_VERSION" in FUNCTIONS


def test_reference_is_up_to_date():
    run = subprocess.run([sys.executable, str(DOCS / "make_reference.py"), "--check"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, (
        "docs/functions.md is stale; run `python docs/make_reference.py`\n" + run.stderr[-3000:])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_docstring_fits_the_function_wizard(name):
    doc = inspect.getdoc(getattr(nqp_udfs, name))
    assert doc, f"{name} has no docstring"
    first = " ".join(doc.split("\n\n")[0].split())
    assert first, f"{name}: the docstring's first paragraph is empty"
    assert len(first) <= WIZARD_LIMIT, (
        f"{name}: the first paragraph has {len(first)} characters; Excel's function wizard shows "
        f"at most {WIZARD_LIMIT}")


@pytest.mark.parametrize("guide", ["guide.en.md", "guide.zh.md"])
def test_guides_mention_every_function(guide):
    text = (DOCS / guide).read_text(encoding="utf-8")
    mentioned = set(re.findall(r"NQP_[A-Z0-9_]*[A-Z0-9]", text))
    missing = [n for n in FUNCTIONS if n not in mentioned]
    assert not missing, f"docs/{guide} does not mention {', '.join(missing)}"


@pytest.mark.parametrize("guide", ["guide.en.md", "guide.zh.md"])
def test_guides_name_no_function_that_does_not_exist(guide):
    text = (DOCS / guide).read_text(encoding="utf-8")
    # calls only: the guides also name the workbook's defined names (NQP_DATA, NQP_LANG, ...)
    unknown = sorted(set(re.findall(r"(NQP_[A-Z0-9_]*[A-Z0-9])\(", text)) - set(FUNCTIONS))
    assert not unknown, f"docs/{guide} names functions that do not exist: {', '.join(unknown)}"


@pytest.mark.parametrize("script", ["factor_2022.py", "coupling_panel.py", "seed003_tables.py", "panel_table8.py"])
def test_worked_examples_are_up_to_date(script):
    """The example pages hold numbers computed by the library: regenerating them changes nothing."""
    proc = subprocess.run([sys.executable, str(DOCS / "examples" / script), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr or proc.stdout


@pytest.mark.parametrize("guide", ["guide.en.md", "guide.zh.md"])
def test_the_guides_new_command_works_as_shown(guide, tmp_path):
    """Section 2's `nqp-xl new` command, run as written (on the bundled panel): it prints the
    lines the guide shows, and the refreshed workbook has no #NQP! (or other error) cell.
    (It once translated the user's subsystem names, and refused a region-year whose U are
    all zero.)"""
    import shlex

    import openpyxl

    from workbook_helpers import nqp

    text = (DOCS / guide).read_text(encoding="utf-8")
    blocks = re.findall(r"```bat\n(nqp-xl new .*?)```", text, re.S)
    assert blocks, "the guide shows no nqp-xl new command"
    args = shlex.split(blocks[0].replace("^\n", " "))[2:]
    args[0] = str(ROOT / "nqp_xl" / "data" / "china_province_panel.csv")
    out = tmp_path / "report.xlsm"
    args[args.index("-o") + 1] = str(out)
    proc = nqp("new", *args)
    shown = re.search(r"```text\n(columns: .*?)```", text, re.S).group(1).strip().splitlines()
    assert proc.stdout.strip().splitlines()[1:] == shown
    nqp("refresh", out, "--in-place", "-q")
    wb = openpyxl.load_workbook(out, data_only=True)
    bad = [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
           if isinstance(c.value, str) and c.value.startswith("#")]
    assert not bad, bad[:3]


@pytest.mark.parametrize("guide", ["guide.en.md", "guide.zh.md"])
def test_the_guides_show_the_offline_install_first_and_a_page_for_it(guide):
    """Section 1 starts with the offline installer (a command the parser accepts) before the online
    install; the IT section names the Defender rule by GUID, the add-in-free import macro, doctor
    and the command-line path."""
    import shlex

    from nqp_xl.workbook.commands.cli import build_parser

    text = (DOCS / guide).read_text(encoding="utf-8")
    section1 = re.search(r"\n## 1\. (.*?)\n## 2\. ", text, re.S).group(1)
    shown = re.search(r"```bat\n(nqp-xl bundle [^\n]*)\n```", section1).group(1)
    args = build_parser().parse_args(shlex.split(shown)[1:])
    assert args.command == "bundle" and args.platform == "win_amd64"
    assert section1.index("nqp-xl bundle") < section1.index("python -m pip install .")
    assert "install.bat" in section1 and "--no-index" in section1 and "nqp-xl doctor" in section1
    it = text[text.index("\n## 15. "):]
    for needed in ("D4F940AB-401B-4EFC-AADC-AD5F3C50688A", "ImportPythonUDFs", "python.exe", "nqp-xl refresh",
                   "nqp-xl publish", "nqp-xl doctor", "LibreOffice", "WPS", "nqp-xl bundle"):
        assert needed in it, needed
