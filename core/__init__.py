"""The domain of the heating utility's cabinet: rules and services over a SQLAlchemy session. No UI here."""
