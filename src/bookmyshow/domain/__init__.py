"""bookmyshow.domain."""
