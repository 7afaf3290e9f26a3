"""Who may call an endpoint that is only for a known machine (/metrics for the scraper,
/ggk/OntvangAsynchroon for the Digikoppeling adapter): a list of addresses or networks."""
from __future__ import annotations

import ipaddress

from fastapi import Request

from gateway.http.deps import through_unknown_proxy

Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None  # None: everyone


def allowed_networks(setting: str, name: str) -> Networks:
    """Parse a comma-separated list of addresses or networks, or `*` (the setting `name`);
    raises ValueError on anything else, so a typo stops start-up instead of opening up."""
    entries = [entry.strip() for entry in setting.split(",") if entry.strip()]
    if "*" in entries:
        return None
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{name}: {entry!r} is no address or network") from None
    return tuple(networks)


def peer_allowed(request: Request, networks: Networks) -> bool:
    """The caller's address is in `networks`. Through a proxy whose forwarded headers we do
    not believe, nobody is: the peer would be the proxy, not the caller."""
    if through_unknown_proxy(request):
        return False
    if networks is None:
        return True
    host = request.client.host if request.client else None
    try:
        address = ipaddress.ip_address(host) if host else None
    except ValueError:  # not an address (a test client's "testclient", a unix socket)
        return False
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
