"""Infrastructure: database, password hashing, and (later) PDF, XML, signatures, integrations."""
