"""Pure domain model: tasks, accounts, ids, button ids, errors. Imports nothing with I/O."""
