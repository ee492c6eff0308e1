"""The support desk behind the console: what conversations leave for agents (masked,
encrypted transcripts, events, the keyed-hash index), the live board, the funnel, agents'
accounts and their help to a person, every action audited. The web pages are
`bot.web.console`."""
