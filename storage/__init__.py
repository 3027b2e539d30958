"""Persistence: the only package that imports SQLAlchemy. Models, migrations and repository functions."""
