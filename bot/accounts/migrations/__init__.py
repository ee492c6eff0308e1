"""Alembic migrations of the accounts database (run with `bot.accounts.migrate`)."""
