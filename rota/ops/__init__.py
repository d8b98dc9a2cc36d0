"""Running rota in production: logs, health, metrics, backups, the production start."""
