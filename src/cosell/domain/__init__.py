"""Pure rules and data: no I/O, no database, no web framework."""
