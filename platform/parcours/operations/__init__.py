"""Operating the platform: per-département backup and restore, the PostgreSQL tools, the replica."""
