"""Application services: task lifecycle, scheduling, events, moderation, translation."""
