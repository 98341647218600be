"""The evaluation floor: formula text, the function registry, the engine and its charts.

Imports ooxml only; the UDF module is handed to it, never imported."""
