"""The bot: settings, the Chat port, the conversation service and its adapters (console, Slack)."""
