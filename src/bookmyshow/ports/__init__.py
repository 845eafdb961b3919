"""bookmyshow.ports."""
