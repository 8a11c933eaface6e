"""Pure clinical domain: models, protocols, breeds, localisation and rules.

Nothing here imports textual, pandas or rich; a test enforces it.
"""
