"""Training mode: simulated patients, the student's interpretation, scoring (no textual)."""
