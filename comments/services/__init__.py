"""Every write to comments goes through a service here (posting, lifecycle, moderation, scoring)."""
