"""Search: the Indic-aware Whoosh index of claims, snapshots and fact-checks (SPEC §4)."""
