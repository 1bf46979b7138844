"""Agents: model backends behind one interface, and the loop that drives an episode."""
