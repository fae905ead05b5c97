"""Reading and writing bulk files: bytes in, rows out (and back)."""
