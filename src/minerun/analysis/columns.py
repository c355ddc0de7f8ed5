"""Canonical column names of an event log inside the analysis engine.

Every reader turns its input into a Polars frame with these columns, so the rest of the
engine never needs a column mapping:

- ``case_id`` (String): the case an event belongs to.
- ``activity`` (String): what happened.
- ``timestamp`` (Datetime, microseconds, UTC): when it completed.
- ``start_timestamp`` (Datetime, microseconds, UTC, optional): when it started.
- ``resource`` (String, optional): who or what performed it.
- ``event_index`` (UInt32): position of the event in the source file, used to keep
  equal timestamps in file order.
"""

CASE = "case_id"
ACTIVITY = "activity"
TIMESTAMP = "timestamp"
START_TIMESTAMP = "start_timestamp"
RESOURCE = "resource"
EVENT_INDEX = "event_index"

__all__ = ["ACTIVITY", "CASE", "EVENT_INDEX", "RESOURCE", "START_TIMESTAMP", "TIMESTAMP"]
