"""The terminal chat (`regbot demo`)."""
