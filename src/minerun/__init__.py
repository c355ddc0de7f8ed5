"""minerun: long-running process-mining operations behind an HTTP API."""
