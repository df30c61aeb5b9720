"""rooms package."""
