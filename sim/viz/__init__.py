"""The browser model for students: Mesa's SolaraViz around one run of a scenario.

``serve`` starts it (``escalation viz``); ``app.py`` builds the page, ``components.py`` its
panels, ``figures.py`` their drawings, ``student.py`` the model the controls build,
``whatif.py`` the odds of a batch with the page's settings, ``explain.py`` the words.
Importing this package is cheap: Solara and Mesa's visualisation load only in the server.
"""

from .server import serve

__all__ = ["serve"]
