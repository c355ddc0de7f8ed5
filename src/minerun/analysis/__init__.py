"""Pure process-mining engine: no web, no database."""
