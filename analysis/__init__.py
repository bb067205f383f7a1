"""Proofs about policies with an SMT solver: ``tamis analyser`` and ``tamis comparer``."""
