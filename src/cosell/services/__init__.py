"""Use cases shared by every interface: the CLI, the API, the pages and the workers."""
