"""The nqp-xl command line as a user meets it: help, messages, exit codes, the demo."""
from __future__ import annotations

import pytest

from workbook_helpers import DATA, nqp

COMMANDS = ["template", "new", "refresh", "publish", "update", "demo", "bundle", "doctor"]


def test_help_lists_every_command():
    proc = nqp("--help")
    for c in COMMANDS:
        assert c in proc.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_help_on_every_command(command):
    proc = nqp(command, "--help")
    assert proc.returncode == 0 and "usage: nqp-xl " + command in proc.stdout


def test_no_command_is_a_user_error():
    proc = nqp(check=False)
    assert proc.returncode == 1


def test_unknown_option_is_one_line(tmp_path):
    proc = nqp("new", "--bogus", check=False)
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, words", [
    (["new", "missing.csv", "-o", "x.xlsm"], "does not exist"),
    (["new", str(DATA / "province_2022.csv"), "-o", "x.xlsx"], ".xlsm"),
    (["new", str(DATA / "province_2022.csv"), "-o", "x.xlsm", "--id-cols", "99"], "leaves no indicator"),
    (["refresh", "missing.xlsm"], "does not exist"),
    (["publish", "missing.xlsm", "-o", "y.xlsx"], "does not exist"),
    (["new", str(DATA / "province_2022.csv"), "-o", "no/such/folder/x.xlsm"], "does not exist"),
])
def test_user_errors_are_one_line_exit_1(tmp_path, args, words):
    proc = nqp(*args, cwd=tmp_path, check=False)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nqp-xl: error:") and words in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_to_replace_without_force(tmp_path):
    out = tmp_path / "a.xlsm"
    nqp("new", DATA / "province_2022.csv", "-o", out)
    before = out.read_bytes()
    proc = nqp("new", DATA / "province_2022.csv", "-o", out, check=False)
    assert proc.returncode == 1 and "--force" in proc.stderr and out.read_bytes() == before


def test_new_with_id_cols_for_a_panel(tmp_path):
    import openpyxl

    out = tmp_path / "panel.xlsm"
    proc = nqp("new", DATA / "panel_2016_2023.csv", "-o", out, "--id-cols", "4")
    assert "4 label columns" in proc.stdout
    wb = openpyxl.load_workbook(out)
    assert wb["Settings"]["B5"].value == 4


def test_demo_on_a_fresh_folder(tmp_path):
    proc = nqp("demo", cwd=tmp_path)
    out = tmp_path / "nqp-demo"
    assert sorted(p.name for p in out.iterdir()) == ["nqp-demo.published.xlsx", "nqp-demo.refreshed.xlsm",
                                                     "nqp-demo.xlsm"]
    assert "Year analysed: 2023" in proc.stdout and "Top regions" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_commands_run_numerics_on_one_thread_unless_the_user_chose(monkeypatch):
    import numpy  # noqa: F401 - the BLAS must be loaded for threadpoolctl to see it
    from threadpoolctl import threadpool_info

    from nqp_xl.workbook.commands.cli import THREAD_VARIABLES, one_thread

    for v in THREAD_VARIABLES:
        monkeypatch.delenv(v, raising=False)
    with one_thread():
        assert {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"} == {1}
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    before = [p["num_threads"] for p in threadpool_info()]
    with one_thread():
        assert [p["num_threads"] for p in threadpool_info()] == before
