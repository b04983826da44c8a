"""The backtest and live report: tables, intervals and plots, as HTML and Markdown."""
