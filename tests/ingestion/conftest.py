from ingestion_fixtures import catalog, penalty, provider  # noqa: F401
