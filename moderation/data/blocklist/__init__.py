"""One word list per language: ``<lang>.txt`` (see ``moderation.wordlists``)."""
