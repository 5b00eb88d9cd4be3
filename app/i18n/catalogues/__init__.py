"""Catalogue modules, one per feature (core, sms, telegram, ...)."""
