"""Rebuttals, reviews and published fact-checks (SPEC §5)."""
