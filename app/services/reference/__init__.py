"""Reference data every complaint reads: jurisdictions and their gazetteer (districts, villages),
agencies, routing rules, the per-process reference cache, and the demo seed.

May import: access (the seed creates demo users), errors."""
