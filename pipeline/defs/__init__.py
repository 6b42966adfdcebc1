"""Dagster definitions, one folder per stage (assets.py, checks.py), loaded by definitions.py."""
