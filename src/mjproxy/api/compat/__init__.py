"""Optional response shapes for clients that expect something else."""
