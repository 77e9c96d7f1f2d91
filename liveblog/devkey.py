import secrets


def development_secret_key(path, prefix):
    """Return this checkout's own random development key, creating it on first use.

    Random rather than a constant in the code: a well-known key would let anyone
    forge admin sessions on a DEBUG server that happens to be reachable. Kept in
    a git-ignored file so sessions survive runserver's restarts.
    """
    try:
        if not path.exists():
            path.write_text(prefix + secrets.token_urlsafe(40))
        return path.read_text().strip()
    except OSError:  # a read-only checkout: a key for this process only
        return prefix + secrets.token_urlsafe(40)
