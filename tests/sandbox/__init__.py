"""Tests of the Discord + Midjourney simulator, driven by a raw client from the wire."""
