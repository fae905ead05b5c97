"""The job queue adapter (huey) and the task functions: thin, they call the services."""
