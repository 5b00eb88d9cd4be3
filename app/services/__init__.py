"""Use cases: each owns one transaction and takes `now`, the actor and plain values."""
