"""The command floor: the user's verbs (cli, refresh, publish, update, demo) and their outputs."""
