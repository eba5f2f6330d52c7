"""Pages of the station desk: queues and request handling, service plans, task forces, CSV export."""
