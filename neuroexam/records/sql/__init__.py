"""What the SQLite and PostgreSQL stores share: method bodies written once in SQLite's
parameter style (``?`` and ``:name``), turned into the other dialect's by :mod:`.dialect`."""
