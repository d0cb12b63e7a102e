"""mjproxy: a Midjourney Proxy API server driving Midjourney and niji・journey through Discord."""

__version__ = "0.1.0"
__all__ = ["__version__"]
