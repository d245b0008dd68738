"""What the gateway keeps about its calls, and how operators read and steer it (spec §3.1, §3.5, §3.6, §8).

- models.py: tables interface_call_log, interface_data (spec §4.2) and interface_config (per-institution
  overrides: enable/disable a transaction, its timeout); migration storage/migrations/versions/0003.
- observer.py: an ASGI middleware that sees each request end and hands an `Exchange` to the sinks:
  recorder.py (the two tables), logging.py (one JSON line, §8.2.1), metrics.py (Prometheus, §10.2).
- redact.py: what the audit stores or logs, masked by the one policy of `masking.py` (§7.3.2), kept small.
- interface_config.py: the overrides, cached, and the transaction policy that applies them.
- queries.py, statistics.py: the universal query (§3.5.1) and the statistics and monitoring reads (§3.5.2,
  §3.5.3, §3.6.2, §3.6.3), always inside the caller's institution.

An audit failure is logged and never changes an answer: rows are written after the answer has gone out.
"""
