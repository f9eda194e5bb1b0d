"""Business rules and use cases. Imports only the standard library, msgspec and lebrq.ports."""
