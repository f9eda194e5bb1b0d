"""Entities and value objects: the rules of the business, with no port in sight."""
