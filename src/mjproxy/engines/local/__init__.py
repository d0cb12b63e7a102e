"""The local engine: operations that need no Midjourney."""
