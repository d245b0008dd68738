"""The bureau's wire format, pure and I/O-free: envelope and msgid, gateway signing, the SM4/SM2 channel,
answer parsing, the error table, catalog files and province profiles.

Nothing here opens a socket or a database; the engine supplies clocks, allocators and transports.
"""
