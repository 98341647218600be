"""The template floor: what a workbook promises (contract), reading the input table, laying out
and building the sheets.  Imports ooxml and engine, never commands."""
