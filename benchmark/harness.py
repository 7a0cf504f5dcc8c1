"""The lm-evaluation-harness route: reading a reply as ``bench run`` does.

The task folder (``benchmark/lmeval_task/``) scores replies through
``reply_summary``, so that a reply earns in the harness exactly what it earns
through ``bench run``.
"""

from __future__ import annotations

from typing import Any

from benchmark.errors import InputError
from benchmark.runner import parse_reply
from benchmark.schema import Summary


def reply_summary(reply: Any, instance_id: str) -> Summary:
    """The summary a reply gives: parsed and validated as ``bench run`` parses it, empty when unusable.

    A reply that is not a non-blank string (no content), not JSON, or not a
    valid summary counts as an empty summary, as ``bench run`` writes one
    after replies that never validate.
    """
    if not isinstance(reply, str) or not reply.strip():
        return Summary()
    try:
        return parse_reply(reply, instance_id)
    except InputError:
        return Summary()
