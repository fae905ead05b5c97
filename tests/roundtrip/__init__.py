"""Round trips through a real spreadsheet program (headless LibreOffice Calc)."""
