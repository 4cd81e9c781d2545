"""The facility hub: the server side of the sync protocol (docs/sync-protocol.md), Qt-free.

`storage` (the HubStorage Protocol and its two engines, `postgres` and `sqlite`), `model` (the
values and engine-free rules), `app` (the Starlette routes), `feed` (reference data from a feed).
"""
