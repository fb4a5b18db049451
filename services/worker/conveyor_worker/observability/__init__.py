"""What the worker tells the world: metrics, traces, probes, progress announcements, and the
outcome signals the runtime sends for them."""
