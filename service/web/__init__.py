"""The Flask layer: blueprints grouped by audience (portal, desk, director, admin, auth, api) over shared view
helpers (common); the app's wiring (database, errors, i18n, security, CLI) sits at this level."""
