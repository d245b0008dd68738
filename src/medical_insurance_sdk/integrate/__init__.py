"""Non-intrusive integration (spec §11.3.2): ways in for a HIS whose code cannot change.

- `dispatch`: one integration request → one SDK call → one answer document (shared by the two below)
- `filewatch`: `yibao integrate watch` — request files dropped in a folder, answers written beside them
- `dbqueue`: `yibao integrate db install|run` — triggers in the HIS database fill a queue; workers send it

The third way, the HTTP proxy `POST /api/medical-insurance/<interface_type>`, is the gateway's own route
(`gateway/routes/proxy.py`).  All of them reach the engine through the same idempotent call, so a request
handled twice after a crash is sent to the bureau at most once.
"""
