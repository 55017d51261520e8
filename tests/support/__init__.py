"""Helpers shared by the test suite and the bench (``tests/bench``)."""
