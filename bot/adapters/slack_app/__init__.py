"""The Slack adapter: slash commands, Block Kit buttons and a modal on the shared engine."""

from bot.adapters.slack_app.app import SlackQuizApp, build_app
from bot.adapters.slack_app.http_server import HttpServer
from bot.adapters.slack_app.publisher import SlackPublisher
from bot.adapters.slack_app.runner import PLATFORM, run_slack

__all__ = ["PLATFORM", "HttpServer", "SlackPublisher", "SlackQuizApp", "build_app", "run_slack"]
