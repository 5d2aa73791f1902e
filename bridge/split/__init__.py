"""Carving an app's routes into separately deployable functions, without changing the app.

- :mod:`bridge.split.routes`: the neutral :class:`~bridge.split.routes.Route` and route discovery;
- :mod:`bridge.split.plan`: the split plan, routes to functions (strategies in ``strategies``);
- :mod:`bridge.split.tables`: gateway route tables and each gateway's matching rule;
- :mod:`bridge.split.guard`: the wrapper that keeps a carved function to its own routes.

Nothing here is imported by ``import bridge``.
"""
