"""bookmyshow.adapters."""
