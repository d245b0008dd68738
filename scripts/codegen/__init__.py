"""Renderers of the files derived from the registry (driven by scripts/generate.py)."""
