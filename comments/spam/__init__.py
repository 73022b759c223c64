"""Spam policy, pure: text features, rule signals, the learned text model and how they combine.

Nothing here touches the ORM, so every rule is unit-testable without a database; the service
`comments.services.scoring` gathers what needs the database and calls in here.
"""
