"""The shipping service layer: shipments and their status transitions, free of HTTP and SQL."""
