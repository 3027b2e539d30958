"""The bot's background jobs, run by one scheduler: the reminder sender (deadlines D1 to D5, DMs in office hours),
notices to admins, the retention purge and the audit witness. Each job takes the tenants (or one service) and a
time, so tests call them directly; `scheduler.start_scheduler` runs them every minute in a server."""
