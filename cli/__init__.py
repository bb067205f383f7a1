"""The ``tamis`` command line: one thin click command per module."""
