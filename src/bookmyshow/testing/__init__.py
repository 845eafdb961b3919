"""bookmyshow.testing."""
