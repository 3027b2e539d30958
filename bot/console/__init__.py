"""The console adapter: every role played in a terminal (the embedded default), or a scripted session read from
a pipe. `loop` runs it, `table` lists the commands (and makes /help), `commands` and `organisation` are the
commands, `forms` asks a question's fields, `session` is who speaks and the terminal, `chat` shows DMs."""
