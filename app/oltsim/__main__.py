"""``python -m app.oltsim``: run simulated OLTs until interrupted (see ``server.main``)."""

from app.oltsim.server import main

raise SystemExit(main())
