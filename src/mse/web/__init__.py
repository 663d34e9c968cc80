"""HTTP edge: JSON API under /api/v1 and server-rendered Russian UI. Thin: parse → service → render."""
