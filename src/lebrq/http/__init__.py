"""Litestar controllers, msgspec request/response Structs, middleware and error mapping."""
