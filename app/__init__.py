"""Curated Articles API: an importer for front-matter article files and a read-only REST API."""
