"""The gateway's job services (no web framework here): batches, async tasks, files, HIS fee lists.

batch.py (spec §3.2) · tasks.py (§3.3, claims and leases) · files.py (§3.4, storage and parsing) ·
fee_import.py (CSV/XLSX fee lists → 2204 feedetail rows).  The routes in gateway/routes/ are thin shells.
"""
