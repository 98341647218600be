"""The file-format floor: XML, the zip package, cell values, addresses, reading and writing sheets.

Imports nothing from engine, template or commands."""
