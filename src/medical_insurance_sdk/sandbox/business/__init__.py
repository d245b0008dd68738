"""Shared pieces of the sandbox's settlement-flow handlers: shapes, persons, visits, fee lines, settlements.

The handlers in `sandbox/handlers/` stay thin: they read a message, apply these helpers and answer.
"""
