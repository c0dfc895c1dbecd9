"""Peers: the facade clients an app holds open while it runs, each on `app.state` and in `/ready`.

    peers = Peers(settings.service_name, stock=Peer(InventoryClient, replacement=stock, retries=1))
    create_service_app(
        settings,
        lifespan=peers.around(database_lifespan(MIGRATIONS_DIR)),
        readiness_checks={"database": database_ready, **peers.readiness_checks},
        ...,
    )
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from service_kit.app import Lifespan
from service_kit.client import ServiceClient, require_peer_urls
from service_kit.readiness import ReadinessCheck, http_health_check


class Peer:
    """One facade `client`, opened with `options` (e.g. `timeout_seconds=`, `retries=`) and the
    app's service name as its caller. A `replacement` (a test's fake, an in-process client) stands
    in its place: then no client is opened, no `<SERVICE>_URL` is needed and no check is added."""

    def __init__(
        self, client: type[ServiceClient], replacement: object | None = None, **options: Any
    ) -> None:
        self.client = client
        self.replacement = replacement
        self.options = options


class Peers:
    """The app's peers by the `app.state` attribute each is held on. Made as the app is created, so
    that outside local development a missing `<SERVICE>_URL` stops the app there (require_peer_urls)."""

    def __init__(self, caller: str, **peers: Peer) -> None:
        self.caller = caller
        self.peers = peers
        require_peer_urls(*(peer.client for peer in peers.values() if peer.replacement is None))

    @property
    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        """A check per opened client, named by its service: its /health answers, as that service."""
        return {
            peer.client.service: http_health_check(_base_url_of(attribute), peer.client.service)
            for attribute, peer in self.peers.items()
            if peer.replacement is None
        }

    def around(self, lifespan: Lifespan | None = None) -> Lifespan:
        """`lifespan` (opened first, closed last), plus each peer on `app.state` while the app runs."""

        @asynccontextmanager
        async def peers_lifespan(app: FastAPI) -> AsyncIterator[None]:
            async with AsyncExitStack() as stack:
                if lifespan is not None:
                    await stack.enter_async_context(lifespan(app))
                for attribute, peer in self.peers.items():
                    if peer.replacement is None:
                        client = peer.client(caller=self.caller, **peer.options)
                        setattr(app.state, attribute, await stack.enter_async_context(client))
                    else:
                        setattr(app.state, attribute, peer.replacement)
                yield

        return peers_lifespan


def _base_url_of(attribute: str) -> Callable[[FastAPI], str]:
    def base_url(app: FastAPI) -> str:
        return str(getattr(app.state, attribute).base_url)

    return base_url
