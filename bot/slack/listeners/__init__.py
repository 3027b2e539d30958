"""Bolt listener groups, each with a register(app, service) function."""
