"""Which reverse proxies may tell the app that a visitor came over HTTPS (`X-Forwarded-Proto`), so that the
cookies are marked Secure behind TLS — and nobody else may.

The ASGI server (uvicorn, under `streamlit run` too) rewrites the request's scheme from that header before the
app sees the request, trusting by default any proxy on the loopback address and reading its list once, before it
imports the app. So the app hands TEPLO_TRUSTED_PROXIES to uvicorn's own proxy-header middleware at import time,
which is still before uvicorn wraps the app in it (uvicorn.config.Config.load)."""

from __future__ import annotations

import os

from core.config import settings


def trusted_hosts() -> list[str]:
    """The configured networks, each IPv4 one also in its IPv4-mapped IPv6 form (::ffff:127.0.0.1), which is how
    a dual-stack listening socket, as Streamlit's, reports an IPv4 peer."""
    hosts = []
    for network in settings().trusted_proxies:
        hosts.append(str(network))
        if network.version == 4:
            hosts.append(f"::ffff:{network.network_address}/{96 + network.prefixlen}")
    return hosts


def trust_only_configured_proxies() -> None:
    """Make uvicorn honour forwarded headers from TEPLO_TRUSTED_PROXIES only (empty: from nobody)."""
    import uvicorn.config
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    if not isinstance(getattr(uvicorn.config, "ProxyHeadersMiddleware", None), type):
        raise RuntimeError(
            "uvicorn.config no longer wraps the app in ProxyHeadersMiddleware: the forwarded-header "
            "trust of TEPLO_TRUSTED_PROXIES cannot be applied (check web/proxies.py after an upgrade)"
        )
    trusted = trusted_hosts()

    class ConfiguredProxyHeaders(ProxyHeadersMiddleware):
        def __init__(self, app, trusted_hosts: object = None) -> None:  # noqa: ARG002 - the setting wins
            super().__init__(app, trusted_hosts=trusted)

    uvicorn.config.ProxyHeadersMiddleware = ConfiguredProxyHeaders  # type: ignore[misc]
    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(trusted)  # for any server configured after this point
