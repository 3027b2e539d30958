"""The meldcode as data plus a pure engine: no Slack, no database, no clock, no I/O beyond loading definitions."""
