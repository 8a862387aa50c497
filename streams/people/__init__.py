"""People: users who sign in, their workspaces (tenants) and roles, sessions and passwords."""
