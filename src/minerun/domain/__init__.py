"""Pure rules of the service: statuses, priorities, retry policy, estimates. No I/O."""
