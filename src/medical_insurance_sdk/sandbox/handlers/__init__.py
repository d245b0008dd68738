"""Handlers of the sandbox bureau, one module per business area; `base.py` defines the contract."""
