"""`quizbot run --sync` in a child process, pointed at the fake Discord named in the environment.

Only the two Discord URLs are patched; everything else is the real command line path,
including its SIGTERM handling.
"""

from __future__ import annotations

import os
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # discord.py imports audioop
    import discord.gateway
    import discord.http
import yarl

from bot.__main__ import main

if __name__ == "__main__":
    discord.http.Route.BASE = os.environ["FAKE_DISCORD_API"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["FAKE_DISCORD_GATEWAY"])
    sys.exit(main(["run", "--sync", *sys.argv[1:]]))
