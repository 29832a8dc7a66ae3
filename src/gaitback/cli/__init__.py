"""Command-line interface: thin glue over the library."""
