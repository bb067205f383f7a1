"""Example invitations and context, with their expected decisions under the shipped policies."""
