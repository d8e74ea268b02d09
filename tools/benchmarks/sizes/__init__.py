"""The mixed-size and real low-resolution evaluation of the pose benchmark's checkpoints."""
