"""The inventory service layer: stock and all-or-nothing reservations, free of HTTP and SQL."""
