"""The start page after login."""

from __future__ import annotations

from flask_appbuilder import IndexView


class PanelIndexView(IndexView):
    """Start page: shortcuts to what staff open most."""

    index_template = "index.html"
