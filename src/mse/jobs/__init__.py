"""Background jobs: the outbox delivery worker (DESIGN.md §3 jobs/, §5 "Outbound"), the audit sealer (ADR 0005)."""
