"""Training: SFT cold start (sft), data rendering with loss masks (data), policies and checkpoints (models), presets."""
