"""Discord REST API routes of the simulator."""
