"""The action benchmark: recognizers trained on skeletons extracted from LR video."""
