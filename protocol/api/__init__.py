"""HTTP API models, one module per area: what the server accepts and returns."""
