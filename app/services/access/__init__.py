"""Who may do what: staff accounts, API tokens and staff sign-in.

May import the rooms below it: messaging (a revoked token withdraws its webhooks), reference, audit
(and errors); not reporting, beside it."""
