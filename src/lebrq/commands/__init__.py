"""One module per `lebrq` sub-command, each with `add_arguments(parser)` and `run(args) -> int`."""
