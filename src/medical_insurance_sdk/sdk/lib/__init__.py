"""Hand-written additions to the generated SDK: the spec's convenience methods and their helpers."""
