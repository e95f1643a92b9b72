"""The `articles` command: serve the API, import and export files, migrate the database."""

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app import cli_filters, migrate
from app.db import make_engine
from app.exporter import ExportReport, export_articles
from app.importer.load import ImportReport, import_paths
from app.settings import Settings, load_settings

app = typer.Typer(
    help="Curated Articles: import front-matter article files and serve them as a REST API.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")

err = Console(stderr=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the database (DATABASE_URL) to the newest schema."""
    settings = load_settings()
    migrate.upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(
    # "-1" (one step back) must reach Alembic as a revision, not be read as an option.
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1, 0001 or base.")],
) -> None:
    """Take the database (DATABASE_URL) back to an older schema."""
    settings = load_settings()
    migrate.downgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision and the newest one shipped."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    head = migrate.head_revision(settings.database_url)
    typer.echo(f"current: {current or 'empty'}  head: {head}")


@app.command("import")
def import_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Article files and folders (searched recursively).")
    ],
    prune: Annotated[
        bool, typer.Option(help="Remove articles whose file is gone from the given folders.")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="Import nothing at all if any file is rejected.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    workers: Annotated[
        int, typer.Option(min=0, help="Parsing processes (0: one per CPU for large imports).")
    ] = 0,
    max_file_bytes: Annotated[
        int | None,
        typer.Option(min=1, help="Reject files larger than this [default: IMPORT_MAX_FILE_BYTES]."),
    ] = None,
) -> None:
    """Import article files into the database in one transaction.

    Exit status: 0 when every file was imported or unchanged, 1 when any file was rejected.
    """
    settings = load_settings()
    migrate.upgrade(settings.database_url)
    report = _run_import(settings, paths, prune, strict, workers, max_file_bytes, as_json)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    raise typer.Exit(code=1 if report.rejected else 0)


def _run_import(
    settings: Settings,
    paths: list[Path],
    prune: bool,
    strict: bool,
    workers: int,
    max_file_bytes: int | None,
    quiet: bool,
) -> ImportReport:
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    limit = max_file_bytes or settings.import_max_file_bytes
    try:
        if quiet or not err.is_terminal:
            return import_paths(
                engine, paths, max_file_bytes=limit, prune=prune, strict=strict, workers=workers
            )
        with Progress(
            TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task("import", total=None)
            return import_paths(
                engine, paths, max_file_bytes=limit, prune=prune, strict=strict, workers=workers,
                on_start=lambda total: progress.update(task, total=total),
                on_progress=lambda done: progress.advance(task, done),
            )  # fmt: skip
    finally:
        engine.dispose()


def _print_report(report: ImportReport) -> None:
    for rejection in report.rejected:
        typer.echo(f"rejected {rejection}", err=True)
    for skipped in report.skipped:
        typer.echo(f"skipped {skipped} (not an article)", err=True)
    summary = (
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed, {len(report.rejected)} rejected"
    )
    if report.skipped:
        summary += f", {len(report.skipped)} skipped"
    if not report.committed:
        typer.echo(f"{summary}; nothing was written (--strict)")
    elif not report.changed:
        typer.echo(f"{summary}; nothing to write, the database is up to date")
    else:
        typer.echo(summary)


@app.command("export")
def export_command(
    folder: Annotated[
        Path,
        typer.Argument(
            file_okay=False, help="Folder to write <slug>.md files into (created if missing)."
        ),
    ],
    q: cli_filters.Query = None,
    topic: cli_filters.Topics = None,
    provider: cli_filters.Providers = None,
    type_: cli_filters.Types = None,
    published: cli_filters.Published = None,
    from_: cli_filters.From = None,
    to: cli_filters.To = None,
    min_quality: cli_filters.MinQuality = None,
    max_quality: cli_filters.MaxQuality = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Write the articles matching the filters of /articles back as front-matter files.

    One `<slug>.md` file per article, written atomically, that `articles import` reads back
    as the same article. Files of the same name are replaced; other files are left alone.

    Exit status: 0 when every file was written, 1 otherwise, 2 for a bad option.
    """
    filters = cli_filters.article_filters(
        q=q, topics=topic, providers=provider, types=type_, published=published, from_=from_, to=to,
        min_quality=min_quality, max_quality=max_quality,
    )  # fmt: skip
    settings = load_settings()
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    try:
        report = export_articles(engine, folder, filters)
    except OSError as error:
        typer.echo(f"cannot write to {folder}: {error.strerror or error}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_export_report(report)
    raise typer.Exit(code=1 if report.failed else 0)


def _print_export_report(report: ExportReport) -> None:
    for failure in report.failed:
        typer.echo(f"failed {failure}", err=True)
    files = "file" if report.written == 1 else "files"
    summary = f"{report.written} {files} written to {report.folder}"
    if report.failed:
        summary += f", {len(report.failed)} failed"
    typer.echo(summary)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=0, help="Worker processes (0: one per CPU).")] = 0,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (costs throughput; off by default).")
    ] = False,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Upgrade the database before serving.")
    ] = True,
) -> None:
    """Serve the API with uvicorn (the database is upgraded to the newest schema first).

    SIGTERM or SIGINT stops it gracefully: new connections are refused at once, answers in
    flight get up to SHUTDOWN_TIMEOUT_S seconds to finish.
    """
    from app import serving

    settings = load_settings()
    if migrate_first:
        migrate.upgrade(settings.database_url)
    started = serving.run(
        "app.main:create_app_from_environment",
        workers=workers or os.cpu_count() or 1,
        shutdown_timeout_s=settings.shutdown_timeout_s,
        timeout_keep_alive=settings.keep_alive_s,
        host=host,
        port=port,
        access_log=access_log,
        server_header=False,
        # The app believes forwarded headers from TRUSTED_PROXIES only (app/main.py), never
        # from uvicorn's default (127.0.0.1).
        proxy_headers=False,
        log_level="info",
    )
    if not started:
        raise typer.Exit(code=3)  # uvicorn's status for an app that failed to start


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())


if __name__ == "__main__":
    main()
