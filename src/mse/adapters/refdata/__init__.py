"""Reference dictionaries shipped with the package (ICD-10) and loaded by administrators (402н/631н)."""
