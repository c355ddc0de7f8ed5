"""The HTTP API (FastAPI): routes per resource, schemas, auth and error mapping."""
