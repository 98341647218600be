"""The workbook and the command line: files live here, never in the method modules."""
