"""Bolt listeners, one module per kind of payload: commands, submissions (modals), actions (buttons), events,
shortcuts, admin. Each is a typed module-level function that finds the conversation port in Bolt's context
(`common.port_of`); each module's `register(app)` wires its listeners, in the order bot.slack.app gives."""
