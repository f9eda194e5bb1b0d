"""Implementations of the ports. Never import lebrq.http."""
