"""Evidence archiving: guarded fetching, extraction, content-addressed storage and WARC (SPEC §3)."""
