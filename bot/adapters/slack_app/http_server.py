"""HTTP mode: the bolt app behind an aiohttp server that we can start and stop ourselves."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

EVENTS_PATH = "/slack/events"


class HttpServer:
    """Serves Slack's signed requests on EVENTS_PATH and a health check on /healthz."""

    def __init__(self, runner: web.AppRunner, port: int) -> None:
        self._runner = runner
        self.port = port

    @classmethod
    async def start(cls, app: AsyncApp, *, host: str, port: int) -> HttpServer:
        """Listen on host:port (port 0 picks a free one, see `.port`)."""

        async def events(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await app.async_dispatch(await to_bolt_request(request))
            )

        async def health(request: web.Request) -> web.Response:
            return web.Response(text="ok")

        web_app = web.Application()
        web_app.add_routes([web.post(EVENTS_PATH, events), web.get("/healthz", health)])
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port
        return cls(runner, int(bound))

    async def close(self) -> None:
        """Stop listening and close open connections."""
        await self._runner.cleanup()
