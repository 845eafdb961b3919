"""Tests of the benchmark kit: the results writer and the machine description."""
