"""The ``paceline`` command line: argument parsing and rendering only (an I/O edge)."""
