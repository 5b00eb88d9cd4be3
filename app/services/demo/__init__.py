"""The demo a newcomer sees on `make run`: two regencies with their gazetteer, agencies, categories,
routing, policies and a staff user for every role (`flask --app wsgi seed demo`).

May import every other room: it builds with their use cases."""
