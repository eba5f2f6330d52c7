"""Pages of the directors: the dashboard, the director hotline and instructions."""
