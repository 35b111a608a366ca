"""Cookie routes of the consumer session (owned by the consumer-cabinet work)."""

ROUTES: list = []
