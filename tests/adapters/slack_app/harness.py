"""The real bolt app over HTTP on 127.0.0.1, fed signed requests, talking to the fake Slack."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app import PLATFORM, HttpServer, SlackPublisher, SlackQuizApp, build_app
from bot.adapters.slack_app.community_publisher import SlackCommunityPublisher
from bot.adapters.slack_app.http_server import EVENTS_PATH
from bot.core.admin import GuildAdmin
from bot.core.community import Community
from bot.core.model import GuildConfig, Post
from bot.core.reloading import Reload
from bot.core.service import QuizService
from bot.scheduling import QuizScheduler
from bot.storage.sqlite import SqliteStore
from tests.adapters.slack_app.bank import Clock, quiz_bank
from tests.adapters.slack_app.fake_slack import TEAM, TOKEN, FakeSlack, Json

SECRET = "fake-signing-secret"
CHANNEL = "C0QUIZ"
ADMIN = "U0ADMIN"
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
NAMES = {ADMIN: "admin", ALICE: "alice", BOB: "bob", CAROL: "carol"}


@dataclass
class Buttons:
    """The action ids of a post's buttons, in the order shown."""

    action_ids: list[str]

    @property
    def post_id(self) -> int:
        """The post the buttons belong to."""
        return int(self.action_ids[0].split(":")[2])

    def choice(self, index: int) -> str:
        """The action id of the button for a pack-order choice index."""
        return next(a for a in self.action_ids if a.endswith(f":{index}"))


def buttons(message: Json) -> Buttons:
    """The buttons of a rendered message (empty when it has none)."""
    found = [
        element["action_id"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    return Buttons(found)


def answer_ids(message: Json) -> list[str]:
    """The action ids of a message's buttons, less the "Why was I wrong?" of a reveal."""
    return [a for a in buttons(message).action_ids if not a.startswith("quiz:why:")]


def all_text(message: Json) -> str:
    """Every mrkdwn text of a message, joined."""
    texts: list[str] = []
    for block in message["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        for element in block.get("elements", []):
            if element.get("type") == "mrkdwn":
                texts.append(element["text"])
    return "\n".join(texts)


def signed_headers(body: str, *, secret: str = SECRET, age_s: int = 0) -> dict[str, str]:
    """The headers Slack sends: a timestamp and v0=HMAC-SHA256(secret, "v0:ts:body")."""
    timestamp = str(int(time.time()) - age_s)
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


class SlackHarness:
    """Store, engine, scheduler (paused: tests run its jobs by hand) and the served bolt app."""

    def __init__(self, fake: FakeSlack, db: Path, clock: Clock, *, seed: int = 7) -> None:
        self.fake = fake
        self.db = db
        self.clock = clock
        self.bank = quiz_bank()
        # What `/quiz-admin reload` calls; a test that serves packs from files sets it.
        self.reload: Reload | None = None
        self._seed = seed
        self._ids = itertools.count(1)
        self._http: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Open the database and serve a fresh app on a free port."""
        self.store = await SqliteStore.open(self.db)
        self.client = AsyncWebClient(token=TOKEN, base_url=self.fake.api_url)
        self.service = QuizService(
            bank=self.bank,
            store=self.store,
            clock=self.clock,
            rng=random.Random(self._seed),
            platform=PLATFORM,
            publisher=SlackPublisher(self.client),
        )
        apscheduler = AsyncIOScheduler()
        # Started paused: jobs are recorded (and inspectable) but never fire on the wall clock.
        apscheduler.start(paused=True)
        self.scheduler = QuizScheduler(self.service, apscheduler)
        self.admin = GuildAdmin(self.service)
        self.community = Community(self.service, SlackCommunityPublisher(self.client))
        self.bot: SlackQuizApp = build_app(
            self.service,
            self.admin,
            self.scheduler,
            signing_secret=SECRET,
            client=self.client,
            features=self.community,
            reload=self.reload,
        )
        assert self.bot.ticker is not None
        # Approved suggestions first: the delivery worker may show posts that use them.
        await self.bot.ticker.start()
        await self.scheduler.start()  # the ticker waits for the test; the delivery worker runs
        self.server = await HttpServer.start(self.bot.app, host="127.0.0.1", port=0)
        self._http = aiohttp.ClientSession()

    async def close(self) -> None:
        """Stop serving, let acknowledged work finish, close the database."""
        if self._http is not None:
            await self._http.close()
            self._http = None
        await self.server.close()
        await self.bot.drain()
        await self.scheduler.shutdown()
        if self.bot.ticker is not None:
            await self.bot.ticker.shutdown()
        await self.store.close()

    async def restart(self) -> None:
        """A new process on the same database file (and the same Slack)."""
        await self.close()
        self._seed += 1
        await self.open()

    # -- the scheduler's work, run by the test ------------------------------------------

    async def tick(self) -> None:
        """One tick of the ticker now, and the deliveries it caused."""
        await self.scheduler.tick()
        await self.scheduler.deliver_due()

    async def catch_up(self) -> None:
        """What a start does once connected."""
        await self.scheduler.catch_up()
        await self.scheduler.deliver_due()

    async def reveal(self, post_id: int) -> None:
        """Run a post's reveal as its job would, and the edit that shows it."""
        await self.scheduler.run_reveal(post_id)
        await self.scheduler.deliver_due()

    # -- sending as Slack does ------------------------------------------------------

    async def send(self, body: str, *, secret: str = SECRET, age_s: int = 0) -> int:
        """POST a signed request and wait for the work it started; returns the HTTP status."""
        return await self._post(body, signed_headers(body, secret=secret, age_s=age_s))

    async def send_signed_for(self, signed: str, body: str) -> int:
        """POST `body` with the signature of another body (a tampered request)."""
        return await self._post(body, signed_headers(signed))

    async def send_unsigned(self, body: str) -> int:
        """POST without Slack's signature headers."""
        return await self._post(body, {"Content-Type": "application/x-www-form-urlencoded"})

    async def _post(self, body: str, headers: dict[str, str]) -> int:
        status, _ = await self._exchange(body, headers)
        return status

    async def send_for_reply(self, body: str) -> tuple[int, str]:
        """POST a signed request; returns the status and the body of the app's ack."""
        return await self._exchange(body, signed_headers(body))

    async def _exchange(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        assert self._http is not None
        url = f"http://127.0.0.1:{self.server.port}{EVENTS_PATH}"
        async with self._http.post(url, data=body.encode(), headers=headers) as response:
            status = response.status
            text = await response.text()
        await self.bot.drain()
        await self.scheduler.deliver_due()
        return status, text

    def command_body(self, user: str, command: str, text: str, channel: str) -> tuple[str, str]:
        """A slash command's form body and the key of its response URL."""
        key = f"cmd{next(self._ids)}"
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "quiz",
            "user_id": user,
            "user_name": NAMES.get(user, user.lower()),
            "command": command,
            "text": text,
            "api_app_id": "A0QUIZ",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(key),
            "trigger_id": f"trigger-{key}",
        }
        return urlencode(form), key

    async def command(
        self, user: str, command: str, text: str = "", *, channel: str = CHANNEL
    ) -> list[Json]:
        """Run a slash command; returns what the app sent to its response URL."""
        body, key = self.command_body(user, command, text, channel)
        assert await self.send(body) == 200
        return self.fake.responses(key)

    async def reply(self, user: str, command: str, text: str = "") -> str:
        """The one ephemeral text a slash command answered with."""
        [response] = await self.command(user, command, text)
        assert response.get("response_type") == "ephemeral"
        return str(response["text"])

    def interaction(self, kind: str, user: str, extra: Json) -> str:
        """The form body of an interaction payload (block_actions, view_submission)."""
        payload: dict[str, Any] = {
            "type": kind,
            "team": {"id": TEAM, "domain": "fake"},
            "user": {
                "id": user,
                "username": NAMES.get(user, user.lower()),
                "name": NAMES.get(user, user.lower()),
                "team_id": TEAM,
            },
            "api_app_id": "A0QUIZ",
            "token": "legacy-verification-token",
            "trigger_id": f"trigger-{next(self._ids)}",
            "is_enterprise_install": False,
            **extra,
        }
        return urlencode({"payload": json.dumps(payload)})

    async def click(
        self,
        user: str,
        action_id: str,
        *,
        channel: str = CHANNEL,
        ts: str = "1790000000.000001",
        ephemeral: bool = False,
        response_key: str | None = None,
    ) -> str:
        """Press a button; returns the key of the action's response URL."""
        body, key = self.click_body(
            user, action_id, channel=channel, ts=ts, ephemeral=ephemeral, response_key=response_key
        )
        assert await self.send(body) == 200
        return key

    async def ack_only(self, body: str) -> int:
        """POST a signed request and return its HTTP status at once: the ack, while the
        work it started may still be running."""
        assert self._http is not None
        url = f"http://127.0.0.1:{self.server.port}{EVENTS_PATH}"
        async with self._http.post(url, data=body.encode(), headers=signed_headers(body)) as got:
            await got.read()
            return got.status

    def click_body(
        self,
        user: str,
        action_id: str,
        *,
        channel: str = CHANNEL,
        ts: str = "1790000000.000001",
        ephemeral: bool = False,
        response_key: str | None = None,
    ) -> tuple[str, str]:
        """A button press's form body and the key of its response URL."""
        key = response_key or f"act{next(self._ids)}"
        body = self.interaction(
            "block_actions",
            user,
            {
                "container": {
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": channel,
                    "is_ephemeral": ephemeral,
                },
                "channel": {"id": channel, "name": "quiz"},
                "message": {"ts": ts, "type": "message"} if not ephemeral else None,
                "response_url": self.fake.response_url(key),
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": "quiz",
                        "value": "v",
                        "action_ts": "1790000001.000000",
                    }
                ],
            },
        )
        return body, key

    async def submit(self, user: str, view: Json, text: str) -> None:
        """Submit a modal that views.open showed, with the text typed in."""
        [block] = [b for b in view["blocks"] if b["type"] == "input"]
        values = {
            block["block_id"]: {
                block["element"]["action_id"]: {"type": "plain_text_input", "value": text}
            }
        }
        body = self.interaction(
            "view_submission",
            user,
            {
                "view": {
                    "id": "V0MODAL",
                    "type": "modal",
                    "callback_id": view["callback_id"],
                    "private_metadata": view["private_metadata"],
                    "state": {"values": values},
                },
                "response_urls": [],
            },
        )
        assert await self.send(body) == 200

    # -- reading state ----------------------------------------------------------------

    async def config(self) -> GuildConfig | None:
        """The workspace's stored settings."""
        return await self.store.guild(TEAM)

    async def post(self, post_id: int) -> Post:
        """A post as stored."""
        found = await self.store.post(post_id)
        assert found is not None
        return found

    async def right_and_wrong(self, post_id: int) -> tuple[int, int]:
        """A post's correct pack choice index and one wrong one."""
        post = await self.post(post_id)
        question = self.bank.get(post.question_id)
        assert question.correct_index is not None
        wrong = next(i for i in post.choice_order if i != question.correct_index)
        return question.correct_index, wrong

    def last_post(self, channel: str = CHANNEL) -> tuple[str, Json]:
        """The newest message posted in a channel: (ts, message)."""
        [*_, (ts, message)] = [
            (ts, message) for (ch, ts), message in self.fake.messages.items() if ch == channel
        ]
        return ts, message
