"""The desktop app (PySide6 + pyqtgraph): an adapter around engine/ and surfaces/.

One controller (:mod:`gui.controller`) owns the scene, the runs' paths and the
animation timer, and emits Qt signals; views (:mod:`gui.views`) only draw what
they are told; panels (:mod:`gui.panels`) send user input back through
controller methods. Widgets never talk to each other directly.
"""
