"""The service layer: what the API and the CLI ask of minerun, above the store."""
