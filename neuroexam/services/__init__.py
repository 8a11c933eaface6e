"""Application use cases between the screens (or the CLI) and the records (STYLE.md)."""
