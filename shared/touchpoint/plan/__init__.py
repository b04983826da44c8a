"""Due items: writing decisions as messages, and claiming them when they are due."""
