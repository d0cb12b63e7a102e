"""Engines fulfil tasks: the Discord engine (real or sandbox) and the local engine."""
