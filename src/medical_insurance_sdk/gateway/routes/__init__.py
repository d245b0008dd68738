"""The gateway's routers: the generated transaction routes and the gateway's own endpoints."""
