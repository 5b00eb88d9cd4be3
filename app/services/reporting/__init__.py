"""Figures for people who read: officials' performance against their contracts (computed in SQL,
with monthly rollups of closed complaints) and the staff board's read-only queries.

May import the rooms below it: posts (who held which post when), access (who may see what), messaging,
reference, audit (and errors)."""
