"""Pages of the administrators: accounts and stations, service targets and the working calendar."""
