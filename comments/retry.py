"""When the comments app's background work tries again: which errors are worth another try, and after how long.

Light on purpose (Django only): comments.tasks imports it, and the web processes import comments.tasks to
publish scoring tasks. Importing the spam model's modules there would load scikit-learn and SciPy into every web
worker (about two seconds of CPU on its first comment, and their memory for good) for nothing it runs.
"""

from django.db import InterfaceError, OperationalError

# Worth retrying: the database restarting, a dropped connection, a lock timeout, a deadlock. Anything else is a
# bug that a retry will not fix, so the comment goes straight to a person.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def backoff_seconds(retries: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Exponential backoff for the n-th retry (0-based): base, 2*base, 4*base, ... capped."""
    return min(cap, base * (2**retries))
