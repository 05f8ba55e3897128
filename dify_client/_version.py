"""The distribution's version, kept here so importing the client reads no package metadata."""

__version__ = "0.1.0"
