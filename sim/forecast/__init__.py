"""Forecasts while a crisis unfolds: observed events and questions as data, conditioning, scores.

Layered above ``sim.batch`` and ``sim.calibrate`` (it imports both; neither imports it); the
CLI wires it in as ``escalation forecast`` and ``escalation score``.
"""
