"""Tests of app/importer: discovery, YAML conversion, parsing and loading."""
