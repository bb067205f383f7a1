"""Deciding: checked policy -> compiled rules -> ``Decision`` with its trace and explanation."""
