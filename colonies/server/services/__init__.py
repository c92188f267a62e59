"""Multi-step operations shared by handlers and background loops."""
