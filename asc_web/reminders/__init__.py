"""Reminder emails: renewal due (30, 7 and 1 days ahead), expired, revoked; each once."""
