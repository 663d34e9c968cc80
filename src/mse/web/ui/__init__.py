"""Server-rendered Russian UI (Jinja2 + vendored HTMX)."""
