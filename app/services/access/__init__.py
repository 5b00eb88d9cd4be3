"""Who may do what: staff accounts, API tokens and staff sign-in.

May import: reference, errors."""
