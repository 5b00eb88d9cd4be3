"""Reference data every complaint reads: jurisdictions and their gazetteer (districts, villages),
agencies, routing rules and the per-process reference cache.

May import errors only (audit sits beside it)."""
