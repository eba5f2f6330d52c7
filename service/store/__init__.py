"""Data access that both the writes (service.operations) and the reads (service.queries) need: the engine and
the one-transaction-per-use-case helper, the desk's settings and service times, the per-process snapshots of
reference data, and the work still open around a request."""
