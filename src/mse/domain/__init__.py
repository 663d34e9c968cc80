"""Pure domain core: no I/O, no framework, no ORM (enforced by import-linter)."""
