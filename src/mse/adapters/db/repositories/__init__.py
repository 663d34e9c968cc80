"""All SQL lives here (one module per area); services see only these methods."""
