"""Request policies of the gateway, one idea each: who is calling (auth), what they may do (rbac), how
often (limits), how many at once (concurrency), how large (sizes), and the others beside them.

The admission policies among them are installed into `gateway.extensions` and run around every way in —
transaction routes, batch operations, async tasks, file uploads, universal queries — through
`extensions.admitted`; none of them imports a route module or `gateway.app`.
"""
