"""What every benchmark job shares: stages, statistics, reports, progress, precision, CLI."""
