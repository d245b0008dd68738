"""The database trigger queue (spec §11.3.2 方案一): triggers in the HIS database, workers beside it.

- `tables`: the queue and result tables, as the HIS database holds them (one definition, every dialect)
- `mapping`: the mapping file — which HIS table and columns fill which transaction's input
- `triggers`: the SQL `yibao integrate db install` runs (or prints with --dry-run), per dialect
- `worker`: `yibao integrate db run` — claims rows with FOR UPDATE SKIP LOCKED, sends each once
"""
