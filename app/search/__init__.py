"""Full-text search: the query language users write, and each database engine's index."""
