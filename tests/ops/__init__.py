"""Tests of bot.ops and of the deployment files."""
