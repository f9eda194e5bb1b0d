"""SQL repositories (SQLAlchemy Core; MariaDB through asyncmy, SQLite through aiosqlite)."""

from lebrq.deferred_imports import defer_sqlalchemy_async_orm

# Before any module of this package imports sqlalchemy.ext.asyncio (see lebrq.deferred_imports).
defer_sqlalchemy_async_orm()
