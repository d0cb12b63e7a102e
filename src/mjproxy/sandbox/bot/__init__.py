"""The simulated Midjourney bot: jobs, buttons, modals, scenarios."""
