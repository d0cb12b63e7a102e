"""The Discord engine: gateway, REST, Midjourney message parsing and correlation."""
