"""国家医保信息平台 SDK: one registry of the 206 bureau transactions, and everything derived from it."""

__version__ = "0.1.0"
