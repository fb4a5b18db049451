"""How every job task runs: claim the row, run the implementation under a lease, record the
outcome; a fan-out job's own message plans and creates its items."""
