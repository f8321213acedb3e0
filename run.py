"""Entry point for ``flask --app run`` and gunicorn (``gunicorn 'run:app'``)."""

from app import create_app

app = create_app()

if app.config["JOBS_INLINE"] and not app.config.get("TESTING"):
    # No Redis: scheduled work (future transfers, speed reverts) is swept in-process.
    from app.jobs.due import start_sweeper

    start_sweeper(app)

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=app.config["PORT"])
