"""Application use cases between the screens (or the CLI) and the records.

Screens call these services and re-render on the messages they post; they never reach into
the store.
"""
