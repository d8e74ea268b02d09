"""The pose benchmark: rows, stage configs, schedule, evaluation, report, pictures, curve."""
