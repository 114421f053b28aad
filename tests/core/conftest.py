"""Fixtures of the learning loop and moderation use cases on the shared service."""

from __future__ import annotations

import pytest

from bot.core.admin import GuildAdmin
from bot.core.audit import AuditedAdmin
from bot.core.moderation import Moderation
from bot.core.reviewing import Reviews
from bot.core.service import QuizService
from tests.fakes import RecordingNotifier


@pytest.fixture
def notifier() -> RecordingNotifier:
    """Records review reminders."""
    return RecordingNotifier()


@pytest.fixture
def reviews(service: QuizService, notifier: RecordingNotifier) -> Reviews:
    """Review, explanation and reminder use cases."""
    return Reviews(service, notifier)


@pytest.fixture
def moderation(service: QuizService) -> Moderation:
    """Moderation use cases."""
    return Moderation(service)


@pytest.fixture
def audited(admin: GuildAdmin, service: QuizService) -> AuditedAdmin:
    """Settings changes written to the audit log."""
    return AuditedAdmin(admin, service)
