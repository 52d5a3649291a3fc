"""flows: Prefect flows that schedule and retry every stage; the logic stays in the stage packages."""
