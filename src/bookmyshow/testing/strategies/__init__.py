"""Hypothesis strategies for bookmyshow values, for adapter authors and the contract suite."""
