"""Database: models, engine and session handling, migrations."""
