"""Users, roles, API tokens and login."""
