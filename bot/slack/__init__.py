"""The Slack adapter: Bolt listeners that translate to and from the conversation service, nothing more."""
