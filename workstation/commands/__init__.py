"""Command-line subcommands: one module per group, each with `register(subparsers)`.

A module's parser sets `func=run`, where `run(args, ctx) -> int` returns the exit code and raises
`CommandError` for a failure that should end the command with a one-line reason on stderr.
"""
