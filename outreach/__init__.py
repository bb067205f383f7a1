"""Outgoing requests: advice on a draft before you send it, and the record of what you sent.

Half of the chamber of commerce's sheet is about the requests the user *sends*. This package
sits beside the application layer (``tamis.triage``): ``advice`` reads a draft through the
same built-in facts a policy reads (``sens = "sortante"``), ``findings`` words what they say
as advice from the guides, ``skeleton`` proposes a personalised note, and ``bilan`` measures
the acceptance of the requests already sent from LinkedIn's export. No click here: ``tamis
conseiller`` and ``tamis reseau bilan`` only render what these modules return.
"""
