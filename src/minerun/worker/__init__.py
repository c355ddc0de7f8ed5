"""Workers: a supervisor that claims operations and runs each in a slot process."""
