"""Extra HTTP routes of the public app, mounted by `st.App(..., routes=ROUTES)` in public_app.py."""

from __future__ import annotations

from web.health import HEALTH_ROUTE
from web.payment_routes import ROUTES as PAYMENT_ROUTES
from web.session_routes import ROUTES as SESSION_ROUTES
from web.unsubscribe_routes import ROUTES as UNSUBSCRIBE_ROUTES

ROUTES = [HEALTH_ROUTE, *SESSION_ROUTES, *PAYMENT_ROUTES, *UNSUBSCRIBE_ROUTES]
