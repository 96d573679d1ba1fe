"""canbao: Prefect flows and the tasks they wire together."""
