"""Touchpoint on a laptop: the CLI, the local runtime, the demo, the simulator, the backtest,
the reports and the platform `connect` commands. Never shipped to Lambda: the functions import
only the `touchpoint` package, which is the layer whole."""
