"""Facility lookouts go out with the reference data: the hub turns lookout events into reference records.

A `lookout` event the hub accepts is published under `lookout:ID` (docs/sync-protocol.md); a
`lookout_removal` publishes the same key again with `removed` true, so every bench's next pull
stops flagging it. The removal carries only the lookout's id: with the lookout's body at hand (in
the same batch, or given by the caller) the whole lookout is republished, else a bare tombstone.
Publishing upserts by key, so only the newest body of each lookout is kept and sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from workstation.core.lookout_record import lookout_body, lookout_key, removal_body
from workstation.core.messages import LookoutAdded, LookoutRemoved, Message
from workstation.core.review import Lookout


def lookout_of(message: LookoutAdded) -> Lookout:
    """The lookout a `lookout` event adds (the event id is the lookout's id)."""
    return Lookout(
        id=message.event_id,
        field=message.field,
        pattern=message.pattern,
        reason=message.reason,
        expires_at=message.expires_at,
        added_by=f"{message.supervisor_name} ({message.actor})",
        added_at=message.at,
        bench_id=message.bench_id,
    )


def lookout_reference_records(
    messages: Iterable[Message], known: Callable[[str], Lookout | None] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The reference records (key, body) for the lookout events among `messages`, in their order.

    `known(lookout_id)` may give the lookout a removal ends when it was added in an earlier batch.
    One record per key: the last event of a lookout decides its body.
    """
    added: dict[str, Lookout] = {}
    out: dict[str, dict[str, Any]] = {}
    for message in messages:
        if isinstance(message, LookoutAdded):
            lookout = lookout_of(message)
            added[lookout.id] = lookout
            key = lookout_key(lookout.id)
            if not out.get(key, {}).get("removed", False):  # a removal in the same batch stays
                out[key] = lookout_body(lookout)
        elif isinstance(message, LookoutRemoved):
            lookout_id = message.lookout_id
            ended = added.get(lookout_id) or (known(lookout_id) if known is not None else None)
            body = lookout_body(ended, removed=True) if ended is not None else removal_body(lookout_id)
            out.pop(lookout_key(lookout_id), None)  # re-inserted last: the newest in publishing order
            out[lookout_key(lookout_id)] = body
    return list(out.items())
