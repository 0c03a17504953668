"""One module per CLI command; see spiegel.cli."""
