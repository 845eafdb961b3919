"""bookmyshow.testing.contracts."""
