"""A Discord + Midjourney bot simulator that speaks Discord's wire protocol."""
