"""Request policies of the gateway, one idea each: who is calling (auth), what they may do (rbac).

A policy is a FastAPI dependency or an installer (see `gateway.app`); later ones (rate limits, audit) sit
beside these.
"""
