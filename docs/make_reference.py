"""Write docs/functions.md, the function reference, from the UDFs themselves.

    python docs/make_reference.py           # (re)write docs/functions.md
    python docs/make_reference.py --check   # exit 1 if docs/functions.md is out of date

Everything comes from ``udfs/nqp_udfs.py``: every callable named ``NQP_*``, in source order,
grouped under the module's section comments (``# ---- factor analysis``); its signature
(``inspect.signature``); its docstring (first paragraph = the function-wizard description,
the rest = details); and the argument texts of its ``@xw.arg(..., doc=...)`` decorators.
Off Windows xlwings' decorators are no-ops, so those texts cannot be read from the function
object: they are read from the source with ``ast`` (a ``doc=`` given as a module constant is
looked up in the module).  Arguments without a ``doc=`` get the standard texts below, which
follow docs/SPEC.md.  The output depends on nothing else (not on NQP_XL_LANG, not on time).
"""
from __future__ import annotations

import argparse
import ast
import difflib
import inspect
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "functions.md"

# Arguments that have no @xw.arg doc= (scalars) get these texts (docs/SPEC.md).
COMMON_ARGS: dict[str, str] = {
    "data": "the indicator table: optional header row of indicator names, optional region "
            "(and year) label columns, one row per region",
    "values": "the values to analyse (one column, or several), optional header and label columns",
    "n_factors": "number of factors k; omitted: chosen by `min_cumvar`, else eigenvalue > 1",
    "min_cumvar": "smallest cumulative share of variance to reach, a fraction such as 0.85 "
                  "(used when `n_factors` is omitted)",
    "rotated": "TRUE (default) for the varimax-rotated loadings, FALSE for the unrotated ones",
    "k": "number of grades (default 4)",
    "names": 'grade names, best first: a comma list such as "优,良,中,差" or a range',
    "method": "the method's name (see the function's description for the choices)",
    "directions": 'one "+" or "-" (or 1 / -1) per indicator; default all "+"',
    "weights": 'a method name ("entropy", "critic", "cv", "equal") or a range of one weight '
               "per indicator",
    "model": '"standard" (default) or "wang" (Wang Shujia et al. 2021 corrected C)',
    "groups": "the group (e.g. region) of each value, aligned with `values`",
    "equations": 'equations "y ~ x1 + x2", one per cell, or one text separated by ";"',
    "shift": "entropy only: a constant added after min-max normalising (e.g. 0.0001, "
             "or SPSSAU's 0.01); default 0",
    "lang": '"en" (default) or "zh" for the header texts; the environment variable '
            "NQP_XL_LANG sets the default",
    "id_cols": "number of leading label columns (panels: Region | Year → 2); omitted: detected "
               "(leading columns whose cells are all text)",
    "missing": '"listwise" (default: rows with a blank or error cell are left out and answer '
               'blank) or "error" (refuse such rows)',
}

SECTION = re.compile(r"^#\s*-{5,}\s*(.+?)\s*$")


def _load():
    """Import ``nqp_udfs`` from this checkout (not from some other installed copy)."""
    for p in (str(ROOT), str(ROOT / "udfs")):
        if p not in sys.path:
            sys.path.insert(0, p)
    import nqp_udfs  # noqa: PLC0415

    return nqp_udfs


def _arg_docs(module) -> dict[str, dict[str, str]]:
    """{function: {argument: doc}} from the ``@xw.arg(name, ..., doc=...)`` decorators."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.name.startswith("NQP_"):
            continue
        docs: dict[str, str] = {}
        for dec in node.decorator_list:
            if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)
                    and dec.func.attr == "arg" and dec.args):
                continue
            try:
                arg = ast.literal_eval(dec.args[0])
            except ValueError:
                continue
            for kw in dec.keywords:
                if kw.arg != "doc":
                    continue
                try:
                    value = ast.literal_eval(kw.value)
                except ValueError:
                    value = eval(compile(ast.Expression(kw.value), "<doc>", "eval"),  # noqa: S307
                                 vars(module))
                docs[str(arg)] = str(value)
        found[node.name] = docs
    return found


def _sections(module) -> list[tuple[int, str]]:
    """(line number, title) of the module's ``# ------ title`` comments."""
    lines = Path(module.__file__).read_text(encoding="utf-8").splitlines()
    return [(i + 1, m.group(1)) for i, line in enumerate(lines) if (m := SECTION.match(line))]


def _functions(module):
    funcs = []
    for name in dir(module):
        obj = getattr(module, name)
        if name.startswith("NQP_") and callable(obj):
            funcs.append(obj)
    return sorted(funcs, key=lambda f: inspect.getsourcelines(inspect.unwrap(f))[1])


def _excel_call(name: str, sig: inspect.Signature) -> str:
    parts = []
    for p in sig.parameters.values():
        parts.append(p.name if p.default is inspect.Parameter.empty else f"[{p.name}]")
    return f"={name}({', '.join(parts)})"


def _paragraphs(doc: str) -> tuple[str, str]:
    doc = inspect.cleandoc(doc or "")
    first, _, rest = doc.partition("\n\n")
    return " ".join(first.split()), rest.strip()


def _anchor(name: str) -> str:
    return name.lower()


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    module = _load()
    funcs = _functions(module)
    arg_docs = _arg_docs(module)
    sections = _sections(module)

    def section_of(func) -> str:
        line = inspect.getsourcelines(inspect.unwrap(func))[1]
        title = "General"
        for at, name in sections:
            if at < line:
                title = name
        return title[:1].upper() + title[1:]

    out = [
        "# nqp-xl function reference",
        "",
        "<!-- Generated by docs/make_reference.py from udfs/nqp_udfs.py: do not edit by hand. -->",
        "",
        "Every function answers either its figures or one text starting `#NQP! ` that says what "
        "is wrong and where. Arguments in [brackets] are optional: leave them out, or leave the "
        "place empty (`=NQP_VARIANCE(A1:R32,,0.85)`). Range arguments accept a header row of "
        "indicator names and leading region (and year) columns. See the user guide "
        "([English](guide.en.md), [中文](guide.zh.md)) for the workflow.",
        "",
        "| function | what it answers |",
        "|---|---|",
    ]
    for f in funcs:
        summary, _ = _paragraphs(f.__doc__)
        out.append(f"| [`{f.__name__}`](#{_anchor(f.__name__)}) | {_escape(summary)} |")
    out.append("")

    current = None
    for f in funcs:
        sec = section_of(f)
        if sec != current:
            out += [f"## {sec}", ""]
            current = sec
        sig = inspect.signature(inspect.unwrap(f))
        summary, rest = _paragraphs(f.__doc__)
        out += [f"### {f.__name__}", "", "```", _excel_call(f.__name__, sig), "```", "", summary, ""]
        if sig.parameters:
            out += ["| argument | meaning |", "|---|---|"]
            docs = arg_docs.get(f.__name__, {})
            for p in sig.parameters.values():
                text = docs.get(p.name) or COMMON_ARGS.get(p.name, "")
                opt = "" if p.default is inspect.Parameter.empty else " (optional)"
                out.append(f"| `{p.name}`{opt} | {_escape(text)} |")
            out.append("")
        if rest:
            out += ["```text", textwrap.dedent(rest), "```", ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if docs/functions.md is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        old = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if old != text:
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(), "docs/functions.md",
                                        "generated", lineterm="", n=1)
            sys.stderr.write("\n".join(list(diff)[:40]) + "\n")
            sys.stderr.write("docs/functions.md is out of date: run python docs/make_reference.py\n")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
