"""The HTTP API: the Midjourney Proxy wire contract served with FastAPI."""
