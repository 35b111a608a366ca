"""Payment-provider routes: the LiqPay server_url callback (owned by the payments work)."""

ROUTES: list = []
