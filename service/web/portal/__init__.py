"""Pages of the enterprise's contacts: their requests, submitted and followed."""
