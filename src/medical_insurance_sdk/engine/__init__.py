"""The engine: calls the bureau without ever settling twice.

    engine = BureauEngine(EngineDeps.embedded(database))       # or with a real bureau transport
    result = engine.call("1101", {"data": {...}}, institution=cfg, operator="OP001")

Every message is recorded in the ledger before it is sent and classified SUCCESS / FAILED / UNKNOWN; an
UNKNOWN write or money call is resolved by 2601 reversal or by the query that reveals the truth, never by a
blind retry.  The logic is one I/O-free flow (`flow.py`) driven by a sync and an async shell (`runner.py`).
"""
