"""Persistence and interchange: the SQLite store and FORMAT.md CSV files."""
