"""Action ids of the learning loop's buttons; they carry the post (or member), so they outlive
a restart."""

from __future__ import annotations

from typing import Any

WHY_ACTION = "quiz:why"
FORGET_ACTION = "quiz:forget"
WHY_LABEL = "Why was I wrong?"


def why_button(post_id: int) -> dict[str, Any]:
    """The "Why was I wrong?" button of a revealed post; its value carries the post."""
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": WHY_LABEL},
        "action_id": f"{WHY_ACTION}:{post_id}",
        "value": str(post_id),
    }
