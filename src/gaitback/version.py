"""The package version: a base module, so that any layer can name it without
importing the package's public API (``gaitback/__init__.py`` re-exports it)."""

__version__ = "0.1.0"
