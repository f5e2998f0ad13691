"""One module per ``rtpredict`` subcommand: ``add_arguments(parser)`` and ``run(args)``."""
