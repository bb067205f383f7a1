"""Example policies shipped with tamis, read with ``importlib.resources``."""
