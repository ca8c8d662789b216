"""Scoring newsdesk on question sets: reading them, running them, the metrics and the report.

It drives the same `Runtime` the CLI and app use, so a figure measures what a user gets; answering never imports it.
"""
