"""The orders service layer: business rules over a unit of work, free of HTTP and SQL."""
