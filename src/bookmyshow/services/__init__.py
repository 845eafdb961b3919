"""bookmyshow.services."""
