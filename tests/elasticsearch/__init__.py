"""Tests of the Elasticsearch movie search adapter (pure translation, engine, contract)."""
