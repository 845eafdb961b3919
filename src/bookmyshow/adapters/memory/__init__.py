"""bookmyshow.adapters.memory."""
