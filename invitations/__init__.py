"""The domain: invitations, the user's context, and the built-in facts from the two guides."""
