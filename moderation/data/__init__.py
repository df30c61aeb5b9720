"""Data files of the moderation package (word lists)."""
