"""PostgreSQL with client-side deadlines: ENGINE "liveblog.db.postgresql" (see base.py)."""
