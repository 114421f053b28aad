"""What every use case shares: the ports, the platform, the post cache, and two signals."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.bank import QuestionBank
from bot.core.errors import NotFound
from bot.core.guild_questions import GuildQuestions
from bot.core.learning import LearningHooks
from bot.core.model import Delivery, DeliveryKind, GuildConfig, Post, PostView, RevealView
from bot.core.ports import Clock, Publisher, Store, StoreTx
from bot.core.questions import Question

log = logging.getLogger(__name__)

_POST_CACHE_SIZE = 4096
MAX_ROW_ID = 2**63 - 1

RevealListener = Callable[[RevealView], Awaitable[None]]
RevealEffect = Callable[[StoreTx, Post, datetime], Awaitable[None]]
Performer = Callable[[RevealView], Awaitable[None]]
GuildPerformer = Callable[[Delivery], Awaitable[None]]


@dataclass
class Engine:
    """The parts of one platform's engine; built once, handed to each use case."""

    bank: QuestionBank
    store: Store
    clock: Clock
    rng: random.Random
    platform: str
    publisher: Publisher | None = None
    # Who holds the delivery claims this process makes. A restart releases the claims of
    # its own owner at once, so it must name the process's place, not the process: the
    # platform for the single-process default, one owner per shard when sharded.
    owner: str = ""
    # Called after a commit that recorded deliveries, so a worker can start on them now.
    outbox_listeners: list[Callable[[], None]] = field(default_factory=list)
    # Called once a post has reached its channel (its reveal can be scheduled).
    delivered_listeners: list[Callable[[Post], None]] = field(default_factory=list)
    # Community: each guild's approved suggestions, served beside the packs in that guild.
    guild_questions: GuildQuestions = field(default_factory=GuildQuestions)
    # Community: awaited after a public reveal commits (role rewards; discussion threads
    # on an engine without an outbox).
    reveal_listeners: list[RevealListener] = field(default_factory=list)
    # Community: run inside a public reveal's transaction, to record the deliveries it
    # needs with the reveal (a discussion thread), so none is lost to a crash or an outage.
    reveal_effects: list[RevealEffect] = field(default_factory=list)
    # Community: how the worker performs the delivery kinds that features record, about a
    # revealed post (a discussion) or about a guild alone (a weekly recap).
    performers: dict[DeliveryKind, Performer] = field(default_factory=dict)
    guild_performers: dict[DeliveryKind, GuildPerformer] = field(default_factory=dict)
    posts: PostCache = field(init=False)
    # Fair play and the learning loop: one call at each turning point of the use cases.
    hooks: LearningHooks = field(init=False)

    def __post_init__(self) -> None:
        self.owner = self.owner or self.platform
        self.posts = PostCache(self.store)
        self.hooks = LearningHooks(self.store, self.clock)

    @property
    def delivers(self) -> bool:
        """True when posts go through the outbox (False for an engine without a platform)."""
        return self.publisher is not None

    def outbox_changed(self) -> None:
        """Tell the listeners that deliveries are waiting."""
        for listener in self.outbox_listeners:
            listener()

    def delivered(self, post: Post) -> None:
        """Tell the listeners that a post is visible now."""
        self.posts.remember(post)
        for listener in self.delivered_listeners:
            listener(post)

    async def config(self, guild_id: str) -> GuildConfig:
        """The guild's settings, defaults when it was never configured."""
        found = await self.store.guild(guild_id)
        return found or GuildConfig(guild_id=guild_id, platform=self.platform)

    def question(self, question_id: str) -> Question:
        """A question of the packs or of a guild's approved suggestions, or NotFound."""
        return self.guild_questions.get(question_id) or self.bank.get(question_id)

    def question_of(self, post: Post) -> Question:
        """The post's question as it was posted; NotFound if it left the packs or changed.

        A pack edit may drop or add choices of a question that is open right now; the
        post's shuffled order would then point past them, so such a post is closed.
        """
        question = self.question(post.question_id)
        if sorted(post.choice_order) != list(range(len(question.choices or []))):
            raise NotFound("This question was changed since it was posted; it is closed.")
        return question

    def view(self, post: Post) -> PostView:
        """A post with its question, for rendering."""
        return PostView(post, self.question_of(post))

    async def revealed(self, view: RevealView) -> None:
        """Tell the listeners that a public reveal is committed."""
        for listener in self.reveal_listeners:
            await listener(view)


class PostCache:
    """Open posts by id. They change only in message id, delivery and reveal, and the writer
    re-checks the reveal authoritatively, so the cache spares the answer path a read."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._posts: OrderedDict[int, Post] = OrderedDict()
        self._loading: dict[int, asyncio.Future[Post | None]] = {}

    async def get(self, post_id: int) -> Post:
        """A post by id (cached while open), or NotFound."""
        # Ids come from button ids a client can forge; one past a 64-bit row id is no post.
        if not 0 < post_id <= MAX_ROW_ID:
            raise NotFound("This question no longer exists.")
        post = self._posts.get(post_id)
        if post is not None:
            return post
        # A burst of answers to a post not cached yet shares one read, not one each.
        loading = self._loading.get(post_id)
        if loading is None:
            loading = asyncio.ensure_future(self._store.post(post_id))
            self._loading[post_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(post_id, None))
        found = await asyncio.shield(loading)
        if found is None:
            raise NotFound("This question no longer exists.")
        if found.is_open:
            self.remember(found)
        return found

    def remember(self, post: Post) -> None:
        """Cache an open post (a closed one is dropped)."""
        if not post.is_open:
            self.forget(post.post_id)
            return
        self._posts[post.post_id] = post
        self._posts.move_to_end(post.post_id)
        if len(self._posts) > _POST_CACHE_SIZE:
            self._posts.popitem(last=False)

    def update(self, post_id: int, **changes: object) -> None:
        """Apply a committed change to a cached post."""
        cached = self._posts.get(post_id)
        if cached is not None:
            self.remember(dataclasses.replace(cached, **changes))  # type: ignore[arg-type]

    def forget(self, post_id: int) -> None:
        """Drop a post (it closed)."""
        self._posts.pop(post_id, None)
