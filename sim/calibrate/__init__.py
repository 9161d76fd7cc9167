"""Calibration to the seed article's facts, predictive checks, sensitivity and scenario discovery.

Layering: builds on the model (``sim``) and the batch engine (``sim.batch``); nothing below
imports it, and it never imports ``sim.cli`` or ``sim.viz``.
"""
