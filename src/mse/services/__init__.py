"""Use cases: one function per user intention. No HTTP, no SQL; only the unit of work commits."""
