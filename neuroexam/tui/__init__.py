"""The Textual user interface (imports textual; the core does not)."""
