"""Who may do what: staff accounts, API tokens, staff sign-in, and which complaints each actor may see
(the visibility rule of app/domain/visibility.py as SQL).

May import the rooms below it: messaging (a revoked token withdraws its webhooks), reference, audit
(and errors)."""
