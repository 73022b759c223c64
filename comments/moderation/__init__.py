"""The moderator interface at /moderation/ (server-rendered; comments/static/moderation/ adds the keyboard)."""
