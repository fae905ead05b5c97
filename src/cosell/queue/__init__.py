"""The job queue adapter (huey) and the task functions: thin, they call the services.

(Named `queue`, not `jobs`: `services.jobs` is the use case of running a job, and
`store.jobs` keeps the job rows.)"""
