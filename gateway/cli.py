"""The `gateway` command."""
from __future__ import annotations

import json
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gateway.settings import get_settings

if TYPE_CHECKING:
    from gateway.validate_files import FileReport


class _Gateway(click.Group):
    """The `gateway` group: its --help ends with the database the commands would work on."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        about, in_use, rule = _database_help()
        with formatter.section("Database"):
            formatter.write_text(about)
            # The URL on a line of its own, never wrapped: it can be copied as it stands.
            formatter.write(f"{'':>{formatter.current_indent}}In use here: {in_use}\n")
            formatter.write_paragraph()
            formatter.write_text(rule)


# -h as well as --help, on every command (subcommands inherit the group's context settings).
@click.group(cls=_Gateway, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jeugdhulp-gateway", prog_name="gateway", message="%(prog)s %(version)s")
def main() -> None:
    """Jeugdhulp message gateway (iJw 3.2)."""
    from gateway import clock

    settings = get_settings()
    clock.configure(settings.today, settings.clock_shift_seconds)


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default GATEWAY_HOST).")
@click.option("--port", default=None, type=int, help="Port (default GATEWAY_PORT).")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="API processes behind the one port (default GATEWAY_WORKERS, 1). They share the "
                   "database and the broker; on the embedded default one worker runs beside them.")
@click.option("--proxy-headers/--no-proxy-headers", default=None,
              help="Believe X-Forwarded-For and X-Forwarded-Proto from the addresses of "
                   "--forwarded-allow-ips (default GATEWAY_PROXY_HEADERS, off).")
@click.option("--forwarded-allow-ips", default=None, metavar="A,B",
              help="Addresses or networks of the trusted proxies "
                   "(default GATEWAY_FORWARDED_ALLOW_IPS, 127.0.0.1,::1).")
@click.option("--sandbox/--no-sandbox", default=None,
              help="Run as a sandbox for providers' own tests, on an empty or sandbox database only "
                   "(default GATEWAY_SANDBOX, off; docs/sandbox.md).")
def serve(host: str | None, port: int | None, workers: int | None, proxy_headers: bool | None,
          forwarded_allow_ips: str | None, sandbox: bool | None) -> None:
    """Run the API; creates or migrates the database first.

    On the embedded default (no GATEWAY_BROKER_URL) it also runs one Celery worker with the
    periodic sweep, stopped with it. With --workers N (N > 1) a supervisor starts N API
    processes on the one port and restarts one that dies; /metrics in any of them counts for
    all (PROMETHEUS_MULTIPROC_DIR, a private directory when unset). SIGTERM stops them
    gracefully: requests under way are answered first.
    """
    settings = get_settings()
    processes = workers or settings.workers
    # Before anything imports prometheus_client: the embedded worker's task metrics, and the
    # counts of the other API processes, reach /metrics only through a directory all write to.
    private_metrics = _metrics_directory(private=settings.embedded_broker or processes > 1)
    from gateway import logs

    logs.configure(settings.log_format, settings.log_level)

    import uvicorn

    from gateway.accesslog import log_config
    from gateway.db.migrate import upgrade
    from gateway.main import create_app

    proxy = _proxy_options(settings, proxy_headers, forwarded_allow_ips)
    # The app must know what uvicorn was told: it refuses /metrics through a proxy it does not believe.
    served = settings.model_copy(update={"proxy_headers": proxy["proxy_headers"],
                                         "sandbox": settings.sandbox if sandbox is None else sandbox})
    # Built here even when the API processes build their own: a broken configuration stops
    # start-up with its one line, not with N processes failing one after the other.
    app = _or_exit(lambda: create_app(served))
    upgrade(settings.database_url)
    _check_sandbox(served)
    # On the embedded default one command runs everything: a worker (with the periodic
    # sweep) beside the API, stopped with it, one however many API processes there are. With
    # GATEWAY_BROKER_URL set, workers are separate processes (`gateway worker`).
    worker = _start_embedded_worker() if settings.embedded_broker else None
    # uvicorn re-raises SIGTERM/SIGINT after its own shutdown; turning them into SystemExit
    # lets the `finally` below stop the worker too. (With N processes uvicorn's supervisor
    # takes the signals over, stops its processes and returns.)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_on_signal)
    # uvicorn's own access log is off: gateway.access writes one with duration and request id.
    # A stop (SIGTERM) waits this long for requests in progress, then closes what is left:
    # uvicorn's default waits for ever, and a client that keeps its connection open (a load
    # generator, a hung provider system) kept a stopped gateway running for many minutes.
    options = {"host": host or settings.host, "port": port or settings.port, "access_log": False,
               "log_config": log_config(settings.log_format, settings.log_level),
               "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS, **proxy}
    try:
        if processes == 1:
            uvicorn.run(app, **options)
        else:
            _export_to_api_processes(served)
            # Each process imports and builds the app anew (uvicorn spawns them): seconds on a
            # busy machine, longer than the supervisor's default 5 s wait for a new process's
            # first answer, after which it kills and restarts it, over and over.
            uvicorn.run("gateway.main:app_from_environment", factory=True, workers=processes,
                        timeout_worker_healthcheck=API_PROCESS_HEALTHCHECK_SECONDS, **options)
    finally:
        if worker is not None:
            _stop(worker)
        if private_metrics is not None:
            import shutil

            shutil.rmtree(private_metrics, ignore_errors=True)


GRACEFUL_SHUTDOWN_SECONDS = 30
API_PROCESS_HEALTHCHECK_SECONDS = 30  # how long uvicorn waits for an API process to answer


def _export_to_api_processes(settings) -> None:
    """The API processes read their settings from the environment they inherit: what the
    command line decided rather than the environment goes there first."""
    import os

    os.environ["GATEWAY_PROXY_HEADERS"] = "true" if settings.proxy_headers else "false"
    os.environ["GATEWAY_SANDBOX"] = "true" if settings.sandbox else "false"


def _check_sandbox(settings) -> None:
    """A sandbox only on an empty or sandbox database, a normal gateway never on a sandbox's."""
    from gateway.domain.aanvraag import sandbox as table
    from gateway.domain.beheer.sandbox import SandboxGeweigerd, check_start

    if settings.sandbox:
        _or_exit(lambda: table.tabel(settings.mappings_dir))  # a broken table stops start-up here
    try:
        with _database() as session:
            check_start(session, sandbox=settings.sandbox)
    except SandboxGeweigerd as exc:
        click.echo(f"gateway kan niet starten: {exc.detail}", err=True)
        sys.exit(1)


def _metrics_directory(*, private: bool) -> str | None:
    """Make sure PROMETHEUS_MULTIPROC_DIR, when set, exists (emptying it is the operator's: other
    processes may be writing there already); when unset and `private`, make a new, empty
    directory of our own for this process and its children (returned, to be removed at exit)."""
    import os

    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        os.makedirs(configured, exist_ok=True)
        return None
    if not private:
        return None
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory = tempfile.mkdtemp(prefix="gateway-metrics-")
    return directory


def _proxy_options(settings, proxy_headers: bool | None, forwarded_allow_ips: str | None) -> dict:
    """uvicorn's proxy options. Its own default believes X-Forwarded-For from 127.0.0.1; ours
    believes nothing unless asked, so the access log holds the peer's address. When on, only
    the listed proxies' headers count, for the client address (uvicorn's and our access log)
    and the scheme (Secure cookies, HSTS)."""
    enabled = settings.proxy_headers if proxy_headers is None else proxy_headers
    allowed = settings.forwarded_allow_ips if forwarded_allow_ips is None else forwarded_allow_ips
    hosts = [h.strip() for h in allowed.split(",") if h.strip()]
    return {"proxy_headers": enabled and bool(hosts), "forwarded_allow_ips": hosts or None}


@main.command()
@click.option("--no-beat", is_flag=True,
              help="Do not run the periodic tasks (sweep, signals, purge) in this worker: give it to "
                   "every worker but one.")
@click.option("--concurrency", default=2, show_default=True, help="Pool processes.")
@click.option("--name", default=None, metavar="NAME@HOST",
              help="Celery node name, unique among the workers on one broker (default gateway-<pid>@%h; "
                   "%h is this host's name).")
def worker(no_beat: bool, concurrency: int, name: str | None) -> None:
    """Run a Celery worker (with the periodic tasks unless --no-beat).

    Run as many as the work needs, on one host or several, on the same database and broker.
    Exactly one of them runs the periodic tasks: start the others with --no-beat (or all of
    them with --no-beat and `gateway beat` once). Each beat sends every sweep, so two of them
    do all periodic work twice.
    """
    import os

    _metrics_directory(private=False)
    from tasks.celery_app import create_celery

    # Workers share nothing through Celery's worker-to-worker chatter (the outbox is the work
    # list), and the mingle step right after a broker reconnect is where a known kombu stall
    # leaves a worker connected but consuming nothing (celery/celery#8030): both are off.
    # The node name still matters: the broker's control queue is per name, so two workers
    # under Celery's one default name (celery@host) would answer as one.
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--without-mingle",
            "--without-gossip", f"--hostname={name or f'gateway-{os.getpid()}@%h'}"]
    if not no_beat:
        argv.append("--beat")
    create_celery(get_settings()).worker_main(argv)


@main.command()
def beat() -> None:
    """Run the periodic scheduler on its own (for deployments with `worker --no-beat`)."""
    from tasks.celery_app import create_celery

    create_celery(get_settings()).start(["beat", "--loglevel=INFO"])


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the current schema."""
    from gateway.db.existing import DatabaseUnreadable, require_usable_url, shown
    from gateway.db.migrate import upgrade

    url = get_settings().database_url
    try:
        require_usable_url(url)
    except DatabaseUnreadable as exc:
        click.echo(f"error: {exc.detail}.\n{_database_source()}", err=True)
        sys.exit(1)
    click.echo(f"database: {shown(url)}", err=True)
    upgrade(url)
    click.echo("database is up to date", err=True)


@main.group()
def provider() -> None:
    """Providers (aanbieders) and their tokens."""


def _agb_code(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from gateway.intake.registration import agb_fout

    if (fout := agb_fout(value)) is not None:
        raise click.BadParameter(fout)
    return value


def _party_name(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from gateway.intake.registration import OngeldigeNaam, clean_name

    try:
        return clean_name(value)
    except OngeldigeNaam as exc:
        raise click.BadParameter(exc.detail) from exc


_RENAME_HELP = ("The code is registered under another name: register NAME as its name from now on "
                "(and add a token). Without it, another name is refused and no token is added.")


@provider.command("add")
@click.option("--agb", required=True, callback=_agb_code, help="AGB code, 8 digits.")
@click.option("--name", required=True, callback=_party_name,
              help="Name of the provider; for a registered AGB code its registered name (capitals and "
                   "spaces aside), or see --rename.")
@click.option("--kanaal", type=click.Choice(["api", "ggk"]), default=None,
              help="How its JW301/JW319 reach it: its postbus (api, the default for a new provider) or a "
                   "Di01 through the national chain (ggk). Given for an existing provider, it changes it.")
@click.option("--rename", is_flag=True, help=_RENAME_HELP)
def provider_add(agb: str, name: str, kanaal: str | None, rename: bool) -> None:
    """Register a provider (or add a token to it); prints the token as the only line.
    The database it changes is named on stderr."""
    click.echo(_add_party("aanbieder", agb, name, kanaal, rename=rename))


@provider.command("kanaal")
@click.option("--agb", required=True, callback=_agb_code, help="AGB code of a registered provider, 8 digits.")
@click.option("--kanaal", required=True, type=click.Choice(["api", "ggk"]),
              help="api: its postbus; ggk: a Di01 through the national chain (the postbus keeps a copy).")
def provider_kanaal(agb: str, kanaal: str) -> None:
    """Set how a provider's JW301 and JW319 reach it, from now on."""
    from gateway.intake.parties import set_kanaal

    with _database() as session:
        found = set_kanaal(session, agb, kanaal) is not None
    if not found:
        click.echo(f"no provider with AGB code {agb} is registered (gateway provider add)", err=True)
        sys.exit(2)
    click.echo(f"provider {agb} now receives its JW301/JW319 through {kanaal}", err=True)


@provider.command("webhook")
@click.option("--agb", required=True, callback=_agb_code, help="AGB code of a registered provider, 8 digits.")
@click.option("--url", default=None, help="http(s) URL to notify of new postbus messages.")
@click.option("--off", is_flag=True, help="Stop notifying this provider.")
def provider_webhook(agb: str, url: str | None, off: bool) -> None:
    """Set a provider's webhook (prints the new signing secret as the only line) or switch
    it off with --off. Setting it again makes a new secret."""
    from gateway.intake import parties

    if (url is None) == (not off):
        raise click.UsageError("give either --url URL or --off")
    if url is not None and (fout := parties.webhook_url_fout(url)) is not None:
        raise click.BadParameter(f"not a webhook URL: {fout}", param_hint="--url")
    with _database() as session:
        party = parties.provider(session, agb)
        secret = None if party is None else parties.set_webhook(session, party, url)
    if party is None:
        click.echo(f"no provider with AGB code {agb} is registered (gateway provider add)", err=True)
        sys.exit(2)
    if off:
        click.echo(f"webhook of provider {agb} switched off", err=True)
    else:
        click.echo(secret)


@main.group()
def municipality() -> None:
    """Municipalities (gemeenten) the gateway serves, and their tokens."""


@municipality.command("add")
@click.option("--code", required=True, help="CBS gemeentecode, 4 digits, on the CBS list (mappings/gemeenten.csv).")
@click.option("--name", required=True, callback=_party_name,
              help="Name of the municipality; for a registered code its registered name (capitals and "
                   "spaces aside), or see --rename.")
@click.option("--rename", is_flag=True, help=_RENAME_HELP)
def municipality_add(code: str, name: str, rename: bool) -> None:
    """Register a municipality (or add a token to it); prints the token as the only line.
    The database it changes is named on stderr."""
    from gateway import clock
    from gateway.reference import load_reference

    if not (len(code) == 4 and code.isdigit()):
        raise click.BadParameter("a gemeentecode is 4 digits", param_hint="--code")
    fout = load_reference(get_settings().mappings_dir).gemeentecode_fout(code, clock.today())
    if fout is not None:
        raise click.BadParameter(f"not on the CBS list of municipalities: {fout}", param_hint="--code")
    click.echo(_add_party("gemeente", code, name, rename=rename))


@main.group()
def partij() -> None:
    """The registered parties: aanbieders (providers) and gemeenten (municipalities)."""


@partij.command("list")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per party per line: soort, code, naam, kanaal, actieve_tokens.")
def partij_list(as_json: bool) -> None:
    """One line per party, providers first: soort, code, name, kanaal (a provider's; - for a
    municipality) and its number of active tokens, tab-separated under a header line."""
    from dataclasses import asdict

    from gateway.readmodels.partijen import listing

    with _database(changes=False) as session:
        rows = listing(session)
    if not rows:
        click.echo("no parties are registered (gateway provider add, gateway municipality add)", err=True)
    elif not as_json:
        click.echo("soort\tcode\tnaam\tkanaal\tactieve tokens")
    for row in rows:
        if as_json:
            click.echo(json.dumps(asdict(row), ensure_ascii=False))
        else:
            click.echo(f"{row.soort}\t{row.code}\t{row.naam}\t{row.kanaal or '-'}\t{row.actieve_tokens}")


@main.group()
def token() -> None:
    """API tokens: list them, revoke one. A new token comes from `provider add` or
    `municipality add` for the party (rotation: add, switch the client over, revoke the old)."""


@token.command("list")
@click.option("--party", "code", default=None, help="Only this party: AGB code (8 digits) or gemeentecode (4).")
def token_list(code: str | None) -> None:
    """One line per token: party kind, code and name, token id, created, last used, and
    active or revoked. Never the token or its hash."""
    from gateway.intake.parties import tokens

    with _database(changes=False) as session:
        rows = tokens(session, code)
    if code is not None and not rows:
        click.echo(f"no party with code {code} has a token", err=True)
        sys.exit(2)
    for row in rows:
        used = _moment(row.laatst_gebruikt) if row.laatst_gebruikt else "never used"
        state = f"revoked {_moment(row.ingetrokken_op)}" if row.ingetrokken_op else "active"
        click.echo(f"{row.soort}\t{row.code}\t{row.naam}\ttoken {row.id}\tcreated {_moment(row.aangemaakt_op)}\t"
                   f"last used {used}\t{state}")


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(min=1))
def token_revoke(token_id: int) -> None:
    """Revoke token ID (from `token list`): the API refuses it from now on."""
    from gateway.db.models import Partij
    from gateway.intake import parties

    try:
        with _database() as session:
            revoked = parties.revoke(session, token_id)
            party = session.get(Partij, revoked.partij_id)
            left = parties.active_tokens(session, party.id)
    except parties.OnbekendToken:
        click.echo(f"error: there is no token {token_id} (see gateway token list)", err=True)
        sys.exit(2)
    except parties.AlIngetrokken:
        click.echo(f"error: token {token_id} was already revoked", err=True)
        sys.exit(1)
    click.echo(f"token {token_id} of {party.soort} {party.code} ({party.naam}) revoked; "
               f"{left} active token(s) left", err=True)
    if not left:
        click.echo(f"warning: {party.soort} {party.code} can no longer use the API", err=True)


def _moment(moment) -> str:
    from gateway.clock import as_utc

    return f"{as_utc(moment):%Y-%m-%d %H:%M}Z"


@main.group()
def user() -> None:
    """Back-office users (CJG, finance, admin)."""


@user.command("add")
@click.option("--username", required=True, help="Log-in name (letters, digits, . _ -).")
@click.option("--role", required=True, type=click.Choice(["cjg", "finance", "admin"]), help="What the user may do.")
@click.option("--gemeente", "gemeenten", default=None, metavar="CODE[,CODE]",
              help="The gateway's municipalities (CBS codes) whose work the user sees (default: all).")
def user_add(username: str, role: str, gemeenten: str | None) -> None:
    """Add a back-office user; the password is read from stdin (without its trailing newline)."""
    from gateway import clock
    from gateway.domain.beheer import gebruikers
    from gateway.reference import load_reference

    codes = None if gemeenten is None else gemeenten.split(",")
    keuze = gebruikers.Gemeenten(codes, load_reference(get_settings().mappings_dir), clock.today())
    _change_user(lambda session, password: gebruikers.add(
        session, gebruikersnaam=username, rol=role, wachtwoord=password, gemeenten=keuze))
    scope = "all municipalities" if codes is None else "municipalities " + ", ".join(sorted(set(codes)))
    click.echo(f"user {username.strip().lower()} added with role {role} for {scope}", err=True)


@user.command("passwd")
@click.option("--username", required=True, help="Log-in name of an existing user.")
def user_passwd(username: str) -> None:
    """Set a new password (read from stdin) for a user; this ends every open session of the
    user and lifts the user's lock-outs."""
    from gateway.domain.beheer import gebruikers

    _change_user(lambda session, password: gebruikers.set_password(
        session, gebruikersnaam=username, wachtwoord=password))
    click.echo(f"password of {username.strip().lower()} changed; its sessions are ended", err=True)


@user.command("unlock")
@click.option("--username", default=None, help="Lift this user's lock-outs, from every address.")
@click.option("--address", default=None, help="Lift the throttle of this source address and every name locked from it.")
def user_unlock(username: str | None, address: str | None) -> None:
    """Lift log-in lock-outs after failed attempts, without changing a password."""
    from gateway.domain.beheer.gebruikers import GebruikerFout, unlock

    if username is None and address is None:
        raise click.UsageError("give --username, --address or both")
    try:
        with _database() as session:
            count = unlock(session, gebruikersnaam=username, adres=address)
    except GebruikerFout as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"{count} lock-out(s) lifted", err=True)


def _change_user(change) -> None:
    from gateway.domain.beheer.gebruikers import GebruikerFout

    password = _password_from_stdin()
    try:
        with _database() as session:
            change(session, password)
    except GebruikerFout as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


def _password_from_stdin() -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Password: ")
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def _add_party(soort: str, code: str, name: str, kanaal: str | None = None, *, rename: bool = False) -> str:
    from gateway.intake.registration import AndereNaam, register

    try:
        with _database() as session:
            done = register(session, soort=soort, code=code, naam=name, kanaal=kanaal, rename=rename)
    except AndereNaam as exc:
        option = "--agb" if soort == "aanbieder" else "--code"
        click.echo(f"error: {soort} {code} is registered as {exc.registered!r}, not {name!r}; no token added. "
                   f"For a new token give --name {exc.registered!r}; if it was renamed, add --rename; "
                   f"if it is another party, check {option}.", err=True)
        sys.exit(1)
    if done.renamed_from is not None:
        click.echo(f"{soort} {code} renamed from {done.renamed_from!r} to {done.party.naam!r}", err=True)
    return done.token


def _existing_database(url: str, *, changes: bool) -> None:
    """Stop (exit 1) unless `url` names a gateway database: no command but `serve` and
    `db upgrade` may create one, or a token would go to a database no server reads."""
    from gateway.db.existing import DatabaseMissing, DatabaseUnreadable, require_existing, shown

    try:
        require_existing(url)
    except DatabaseMissing as exc:
        click.echo(f"error: {exc.detail}.\n{_database_source()}\n"
                   "Run this command from the folder of the server, or set GATEWAY_DATABASE_URL to the "
                   "server's database. For a new gateway, create the database first: gateway db upgrade "
                   "(gateway serve does so too).", err=True)
        sys.exit(1)
    except DatabaseUnreadable as exc:
        click.echo(f"error: {exc.detail}.\n{_database_source()}", err=True)
        sys.exit(1)
    if changes:
        click.echo(f"database: {shown(url)}", err=True)


def _database_source() -> str:
    """Where the database URL comes from: GATEWAY_DATABASE_URL, or its default."""
    from sqlalchemy.exc import ArgumentError

    from gateway.db.existing import shown
    from gateway.settings import Settings

    settings = get_settings()
    if "database_url" in settings.model_fields_set:
        try:
            return f"GATEWAY_DATABASE_URL is {shown(settings.database_url)}."
        except ArgumentError:  # not shown as it stands: it may hold a password
            return "GATEWAY_DATABASE_URL is set, to a text that is no URL."
    default = Settings.model_fields["database_url"].default
    return (f"GATEWAY_DATABASE_URL is not set: the default {default} is a file in the current folder "
            f"({Path.cwd()}).")


def _database_help() -> tuple[str, str, str]:
    """For the group's --help: where the URL comes from, the database it names here, and which
    commands may create one."""
    from sqlalchemy.exc import ArgumentError

    from gateway.db.existing import shown
    from gateway.settings import Settings

    default = Settings.model_fields["database_url"].default
    try:
        url = shown(get_settings().database_url)
    except (ValueError, ArgumentError) as exc:  # a broken setting must not hide the help itself
        url = f"(cannot be read: {exc})"
    return (f"GATEWAY_DATABASE_URL names the database (a SQLAlchemy URL; default {default}, a file in "
            "the current folder).", url,
            "Only `serve` and `db upgrade` create or migrate a new database. The commands on parties, "
            "tokens, users, the outbox and purge stop when it does not exist yet, and those that "
            "change data name it on stderr.")


@contextmanager
def _database(*, changes: bool = True):
    """One transaction on the configured database, which must exist already (migrated first
    when it is behind). A command that changes data names the database on stderr."""
    from gateway.db.migrate import upgrade
    from gateway.db.session import make_engine, make_sessionmaker, unit_of_work

    settings = get_settings()
    _existing_database(settings.database_url, changes=changes)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


@main.group()
def outbox() -> None:
    """Follow-up work (decisions, messages, webhooks): what failed, and trying it again."""


@outbox.command("list")
@click.option("--status", default="mislukt", show_default=True,
              type=click.Choice(["pending", "mislukt", "done"]), help="Which work to list.")
@click.option("--limit", default=50, show_default=True, help="At most this many, newest first.")
def outbox_list(status: str, limit: int) -> None:
    """One line per item: id, task, message id, attempts, created, last error."""
    from gateway.work import queue as work

    with _database(changes=False) as session:
        for row in work.listing(session, status, limit):
            fout = (row.fout or "").replace("\n", " ")[:200]
            click.echo(f"{row.id}\t{row.taak}\tbericht {row.bericht_id}\t{row.pogingen} pogingen\t"
                       f"{row.aangemaakt_op:%Y-%m-%d %H:%M}\t{fout}")


@outbox.command("retry")
@click.argument("ids", nargs=-1, required=True, type=int)
def outbox_retry(ids: tuple[int, ...]) -> None:
    """Put failed work (mislukt) back in the queue; the sweep sends it within its interval."""
    from gateway.work import queue as work

    with _database() as session:
        count = work.retry(session, list(ids))
    click.echo(f"{count} of {len(ids)} item(s) queued again", err=True)
    sys.exit(0 if count == len(ids) else 1)


@main.group()
def ggk() -> None:
    """The StUF-GGk route (design.md §8): play the chain's side against a gateway (send, fo01),
    or stand in for the chain to receive what a gateway sends (stub)."""


def _ggk_url(url: str | None) -> str:
    from gateway.ggk.endpoint import PATH

    settings = get_settings()
    host = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    return url or f"http://{f'[{host}]' if ':' in host else host}:{settings.port}{PATH}"


def _ggk_post(url: str, soap: bytes, soort: str, referentienummer: str) -> None:
    from gateway.ggk import client

    click.echo(f"{soort} {referentienummer} to {url}", err=True)
    result = client.post(url, soap, soort)
    click.echo(result.summary())
    sys.exit(0 if result.ok else 1)


def _ggk_refused(build):
    from gateway.ggk.client import ClientFout

    try:
        return build()
    except ClientFout as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(2)


@ggk.command("send")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--zender", required=True, metavar="AGB", help="zender/organisatie: the provider's AGB code.")
@click.option("--url", default=None, help="The gateway's OntvangAsynchroon (default http://HOST:PORT/ggk/OntvangAsynchroon "
                                          "from GATEWAY_HOST and GATEWAY_PORT).")
@click.option("--ontvanger", default=None, metavar="CBS",
              help="ontvanger/organisatie (default: the gemeente in the file's Header).")
@click.option("--applicatie", default=None, help="zender/applicatie: the provider's software (default GGkTestclient).")
@click.option("--referentienummer", default=None, metavar="UUID", help="Default: a fresh UUID version 4.")
@click.option("--cross-ref", default=None, metavar="UUID",
              help="For a JW302/JW320 (a Du01): the referentienummer of the gateway's Di01 it answers.")
def ggk_send(file: Path, zender: str, url: str | None, ontvanger: str | None, applicatie: str | None,
             referentienummer: str | None, cross_ref: str | None) -> None:
    """Send an iJw file to a gateway as the chain would: in a Di01 (a JW302/JW320 in a Du01),
    SOAP 1.1. Prints the Bv03 (exit 0), or the Fo03 or other answer (exit 1)."""
    from gateway import stuf
    from gateway.ggk import client

    referentienummer = referentienummer or stuf.new_referentienummer()
    payload = file.read_bytes()
    kop = _ggk_refused(lambda: client.read_kop(payload))
    soap = _ggk_refused(lambda: client.wrap(
        payload, zender=zender, ontvanger=ontvanger, applicatie=applicatie or client.DEFAULT_APPLICATIE,
        referentienummer=referentienummer, cross_ref=cross_ref))
    _ggk_post(_ggk_url(url), soap, kop.soort, referentienummer)


@ggk.command("fo01")
@click.option("--cross-ref", required=True, metavar="UUID", help="The referentienummer of the gateway's envelope refused.")
@click.option("--code", required=True, help="The error code, e.g. IB102 or StUF055 (at most 7 characters).")
@click.option("--omschrijving", required=True, help="What is wrong (at most 200 characters).")
@click.option("--plek", default="client", show_default=True, type=click.Choice(["client", "server"]))
@click.option("--zender", default="IB", show_default=True, help="Who refuses: IB, VECOZO, RINIS or an AGB code.")
@click.option("--applicatie", default=None, help="zender/applicatie (default by zender: GGKWebservice, ...).")
@click.option("--ontvanger", default=None, metavar="CBS",
              help="The gemeente that sent it (default: the zender of that envelope in the gateway's database).")
@click.option("--url", default=None, help="The gateway's OntvangAsynchroon (default from GATEWAY_HOST/PORT).")
def ggk_fo01(cross_ref: str, code: str, omschrijving: str, plek: str, zender: str, applicatie: str | None,
             ontvanger: str | None, url: str | None) -> None:
    """Refuse one of the gateway's envelopes as a chain party would: an Fo01 naming it by its
    referentienummer, with the envelope in detailsXML when the database has it."""
    from gateway import stuf
    from gateway.ggk import client

    sent = None
    if ontvanger is None:
        with _database(changes=False) as session:
            sent = client.sent_envelope(session, cross_ref)
        if sent is None:
            click.echo(f"error: the gateway sent no envelope {cross_ref}; give --ontvanger", err=True)
            sys.exit(2)
        ontvanger = sent.zender
    referentienummer = stuf.new_referentienummer()
    soap = _ggk_refused(lambda: client.fo01(
        cross_ref=cross_ref, code=code, omschrijving=omschrijving, plek=plek, zender=zender, applicatie=applicatie,
        ontvanger=ontvanger, details_xml=sent.element if sent else None, referentienummer=referentienummer))
    _ggk_post(_ggk_url(url), soap, "Fo01", referentienummer)


@ggk.command("stub")
@click.option("--port", required=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Write each envelope received to DIR/<referentienummer>.xml.")
def ggk_stub(port: int, host: str, out: Path | None) -> None:
    """Stand in for the chain's adapter: take the gateway's envelopes, check them (envelope and
    iJw XSD), answer Bv03 or a Fo03 fault, and print one line per envelope."""
    from gateway.ggk.stub import ChainStub

    stub = ChainStub(host, port, out=out, on_receive=lambda received: click.echo(received.line()))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_on_signal)
    click.echo(f"ggk stub listening on {stub.url}", err=True)
    stub.serve_forever()


@main.command()
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
def purge(dry_run: bool) -> None:
    """Remove message bodies and personal data past the retention period
    (GATEWAY_RETENTION_YEARS, default 20, after a client's last entry); counts stay.
    The worker does this periodically; this runs it now."""
    from gateway import clock
    from gateway.db.migrate import upgrade
    from gateway.db.session import make_engine, make_sessionmaker
    from gateway.work import bewaartermijn

    settings = get_settings()
    _existing_database(settings.database_url, changes=not dry_run)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        result = bewaartermijn.purge(make_sessionmaker(engine), clock.today(), settings.retention_years,
                                     dry_run=dry_run)
    finally:
        engine.dispose()
    verb = "would remove" if dry_run else "removed"
    click.echo(f"retention {settings.retention_years} years: entries before {result.grens}", err=True)
    click.echo(f"clients\t{result.clienten}")
    for soort, count in sorted(result.aantallen.items()):
        click.echo(f"{soort}\t{count}")
    click.echo(f"{verb} the data of {result.clienten} client(s)", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file per line, with the rule report.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(as_json: bool, files: tuple[Path, ...]) -> None:
    """Check messages offline: levels 1-2, and level 4 where only code lists are needed.
    Per failing rule: where, what it checks and how to fix it. Exits 1 when any file is
    rejected."""
    from gateway.validate_files import validate_file

    settings = get_settings()
    rejected = False
    for path in files:
        report = validate_file(path, settings)
        rejected |= not report["accepted"]
        if as_json:  # the report without the text lines
            click.echo(json.dumps({key: value for key, value in report.items() if key != "details"},
                                  ensure_ascii=False))
        else:
            click.echo(_human(report))
    sys.exit(1 if rejected else 0)


def _exit_on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def _start_embedded_worker():
    import subprocess

    from gateway.lifetime import die_with_parent

    # A session of its own: a signal to serve's process group (Ctrl-C in a terminal, a
    # supervisor's SIGTERM to the group) would also reach the worker's pool child, which,
    # killed while holding the pool's queue lock, left the worker waiting on it until serve
    # killed it 30 s later. Serve stops the worker itself (_stop), and the worker dies with it.
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", "worker", "--concurrency", "1"],
                            preexec_fn=die_with_parent, start_new_session=True)


def _stop(process) -> None:
    import subprocess

    process.terminate()  # Celery's warm shutdown: running tasks finish first
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def _human(report: FileReport) -> str:
    if report["accepted"]:
        return f"{report['file']}: {report['message']} geaccepteerd"
    lines = [f"{report['file']}: {report['message'] or 'onbekend bericht'} afgekeurd "
             f"(niveau {report['level']})"
             + (f", retourcodes {' '.join(report['retourcodes'])}" if report["retourcodes"] else "")]
    lines += [f"  {d}" for d in report["details"]]
    return "\n".join(lines)


def _or_exit(build):
    from gateway.errors import ConfigurationError

    try:
        return build()
    except (ConfigurationError, OSError, ValueError) as exc:
        click.echo(f"gateway kan niet starten: {exc}", err=True)
        sys.exit(2)


@main.command()
def demo() -> None:
    """Walk a provider's first hour (the README's quickstart) unattended on a gateway of its own.

    Starts `gateway serve` on a free port with a new SQLite database in a temporary folder
    (never ./gateway.db, whatever GATEWAY_DATABASE_URL says) and the clock on the example's
    day, then registers a municipality and a provider and sends the messages of
    docs/quickstart/ through HTTP, printing each answer. Exits 1 on an unexpected answer, 2
    when the gateway does not start.
    """
    from gateway.demo import run

    sys.exit(run(click.echo))


if __name__ == "__main__":
    main()
