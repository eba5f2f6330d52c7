"""Innovation Service Desk: the domain (models, rules, operations, queries) and its web layer."""

from pathlib import Path

# The checkout's root: alembic.ini, babel.cfg, translations/ and the development instance/ folder live there.
PROJECT_DIR = Path(__file__).resolve().parent.parent
