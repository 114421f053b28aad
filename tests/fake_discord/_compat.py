"""Import discord.py with its stdlib ``audioop`` DeprecationWarning silenced.

The project runs pytest with ``filterwarnings = ["error"]``; on Python 3.11/3.12 discord.py's
``import audioop`` warns, which would otherwise turn every ``import discord`` into an error.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="'audioop' is deprecated", category=DeprecationWarning
    )
    import discord

__all__ = ["discord"]
