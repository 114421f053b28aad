"""Discord adapter: slash commands, persistent buttons and the publisher, on discord.py."""
