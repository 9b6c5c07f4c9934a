"""Tests of the protocol probes (scanner/probes)."""
