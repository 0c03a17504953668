"""Spiegelrapporten Beleidsinformatie Jeugd."""

__version__ = "0.1.0"
