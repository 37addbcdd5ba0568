import { parseArgs } from 'node:util';
import { UsageError } from './core/errors.js';
import { joinDashValues } from './cli-dash-values.js';
import type { DatabaseOptions } from './core/plan/database.js';
import type { EngineRef } from './docker/engine-resolve.js';

// The command-line contract (README, issue #3). Parsing is pure so it can be
// tested without an engine; every mistake is a UsageError (exit 2).

export interface CliOptions extends DatabaseOptions {
	help: boolean;
	version: boolean;
	yes: boolean;
	json: boolean;
	dryRun: boolean;
	containers: string[];
	/** --service NAME (repeatable): a Swarm service, upgraded by the engine's own rolling update (targets/swarm). */
	services: string[];
	/** --app NAME (repeatable): a container that uses the PostgreSQL server being moved to a new major. */
	apps: string[];
	image?: string;
	labels: string[];
	to?: string;
	healthUrl?: string;
	healthTimeoutS: number;
	healthTimeoutGiven: boolean;
	stableS: number;
	stopTimeoutS?: number;
	keepOld: boolean;
	/** Compose: stop the whole project first and start it again after (the Anchore guide's way). */
	composeDown: boolean;
	migrateFirst: boolean;
	pre: boolean;
	allowMajor: boolean;
	tagInclude?: RegExp;
	tagExclude?: RegExp;
	command?: 'demo' | 'recover' | 'profiles';
	/** --profile FILE (repeatable): profiles to load besides the user's directory and the built-ins. */
	profileFiles: string[];
	/** --profile-id ID: this profile, whatever the containers' images say. */
	profileId?: string;
	demoDown: boolean;
	/** recover RUN_ID: only this run. */
	runId?: string;
	/** --host/--context (-H), in the order given. */
	engines: EngineRef[];
}

const SPEC = {
	help: { type: 'boolean', short: 'h' },
	version: { type: 'boolean', short: 'V' },
	yes: { type: 'boolean', short: 'y' },
	json: { type: 'boolean' },
	'dry-run': { type: 'boolean' },
	container: { type: 'string', short: 'c', multiple: true },
	service: { type: 'string', multiple: true },
	app: { type: 'string', multiple: true },
	image: { type: 'string' },
	label: { type: 'string', multiple: true },
	to: { type: 'string' },
	'health-url': { type: 'string' },
	'health-timeout': { type: 'string' },
	'stable-for': { type: 'string' },
	'stop-timeout': { type: 'string' },
	'keep-old': { type: 'boolean' },
	pre: { type: 'boolean' },
	'allow-major': { type: 'boolean' },
	'tag-include': { type: 'string' },
	'tag-exclude': { type: 'string' },
	db: { type: 'string' },
	'db-container': { type: 'string' },
	'skip-backup': { type: 'boolean' },
	'backup-dir': { type: 'string' },
	'offline-backup': { type: 'boolean' },
	'no-migrations': { type: 'boolean' },
	'migration-timeout': { type: 'string' },
	'stop-all-first': { type: 'boolean' },
	'compose-down': { type: 'boolean' },
	'migrate-first': { type: 'boolean' },
	'pg-bin': { type: 'string' },
	'pg-image': { type: 'string' },
	'backup-format': { type: 'string' },
	down: { type: 'boolean' },
	profile: { type: 'string', multiple: true },
	'profile-id': { type: 'string' },
	host: { type: 'string', short: 'H', multiple: true },
	context: { type: 'string', multiple: true },
} as const;

function regex(name: string, value: string | undefined): RegExp | undefined {
	if (value === undefined) return undefined;
	try {
		return new RegExp(value);
	} catch (error) {
		throw new UsageError(`--${name} is not a valid regular expression: ${(error as Error).message}`);
	}
}

function seconds(name: string, value: string | undefined, fallback: number | undefined, min = 0): number | undefined {
	if (value === undefined) return fallback;
	if (/^-\d+(\.\d+)?$/.test(value)) throw new UsageError(`--${name} ${value} is a negative number of seconds: it takes ${min}..86400`);
	const parsed = Number(value);
	if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(parsed) || parsed < min || parsed > 86_400) {
		throw new UsageError(`--${name} takes a number of seconds (${min}..86400), not "${value}"`);
	}
	return parsed;
}

function backupFormat(value: string | undefined): 'auto' | 'custom' | 'directory' {
	if (value === undefined) return 'auto';
	if (value === 'auto' || value === 'custom' || value === 'directory') return value;
	throw new UsageError(`--backup-format takes auto, custom or directory, not ${JSON.stringify(value)}`);
}

export function parseCli(argv: string[]): CliOptions {
	let parsed;
	const args = joinDashValues(argv, SPEC);
	try {
		parsed = parseArgs({ args, options: SPEC, allowPositionals: true, strict: true, tokens: true });
	} catch (error) {
		throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
	}
	const { values, positionals } = parsed;
	const engines = engineRefs(parsed.tokens);
	const [command, ...extra] = positionals;
	if (command !== undefined && command !== 'demo' && command !== 'recover' && command !== 'profiles') throw new UsageError(`unexpected argument "${command}" (see --help)`);
	const runId = command === 'recover' ? extra.shift() : undefined;
	if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (see --help)`);
	if (runId !== undefined && !/^[\w.-]{1,100}$/.test(runId)) throw new UsageError(`recover takes a run id (the journal's file name without .json), not "${runId}"`);
	if (values.down && command !== 'demo') throw new UsageError('--down belongs to the demo command: upgrade-wizard demo --down');
	if (values['profile-id'] !== undefined && !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(values['profile-id'])) throw new UsageError(`--profile-id takes a profile id (see upgrade-wizard profiles), not ${JSON.stringify(values['profile-id'])}`);
	for (const name of values.service ?? []) {
		// Swarm's rule for service names (or an ID): anything else is a typo.
		if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new UsageError(`--service takes a service name (letters, digits, '_', '.', '-'), not ${JSON.stringify(name)}`);
	}
	for (const [flag, names] of [['--container', values.container], ['--app', values.app]] as const) {
		for (const name of names ?? []) {
			// The engine's own rule for names; anything else can only be a typo (or a path).
			if (!/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new UsageError(`${flag} takes a container name (letters, digits, '_', '.', '-'), not ${JSON.stringify(name)}`);
		}
	}
	if (values.db !== undefined && !/^postgres(ql)?:\/\//.test(values.db)) throw new UsageError('--db takes a postgres:// or postgresql:// URL');
	if (values['skip-backup'] && (values.db !== undefined || values['offline-backup'])) throw new UsageError('--skip-backup cannot be combined with --db or --offline-backup');
	for (const label of values.label ?? []) {
		if (!/^[^=\s]+=.*$/.test(label)) throw new UsageError(`--label takes KEY=VALUE, not "${label}"`);
	}
	if (values['health-url'] !== undefined) {
		let url: URL;
		try {
			url = new URL(values['health-url']);
		} catch {
			throw new UsageError(`--health-url is not a URL: "${values['health-url']}"`);
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--health-url must be http or https, not ${url.protocol}`);
	}
	return {
		help: values.help ?? false,
		version: values.version ?? false,
		yes: values.yes ?? false,
		json: values.json ?? false,
		dryRun: values['dry-run'] ?? false,
		containers: values.container ?? [],
		services: values.service ?? [],
		apps: (values.app ?? []).map((name) => name.replace(/^\//, '')),
		image: values.image,
		labels: values.label ?? [],
		to: values.to,
		healthUrl: values['health-url'],
		healthTimeoutS: seconds('health-timeout', values['health-timeout'], 120, 1)!,
		healthTimeoutGiven: values['health-timeout'] !== undefined,
		stableS: seconds('stable-for', values['stable-for'], 10, 0)!,
		stopTimeoutS: seconds('stop-timeout', values['stop-timeout'], undefined, 0),
		keepOld: values['keep-old'] ?? false,
		composeDown: values['compose-down'] ?? false,
		migrateFirst: values['migrate-first'] ?? false,
		pre: values.pre ?? false,
		allowMajor: values['allow-major'] ?? false,
		tagInclude: regex('tag-include', values['tag-include']),
		tagExclude: regex('tag-exclude', values['tag-exclude']),
		db: values.db,
		dbContainer: values['db-container'],
		skipBackup: values['skip-backup'] ?? false,
		backupDir: values['backup-dir'],
		offlineBackup: values['offline-backup'] ?? false,
		noMigrations: values['no-migrations'] ?? false,
		migrationTimeoutS: seconds('migration-timeout', values['migration-timeout'], undefined, 1),
		stopAllFirst: values['stop-all-first'] ?? false,
		pgBin: values['pg-bin'],
		pgImage: values['pg-image'],
		backupFormat: backupFormat(values['backup-format']),
		command: command as CliOptions['command'],
		demoDown: values.down ?? false,
		profileFiles: values.profile ?? [],
		profileId: values['profile-id'],
		runId,
		engines,
	};
}

/** --host and --context keep their command-line order: engine after engine, in the order given. */
function engineRefs(tokens: ReadonlyArray<{ kind: string; name?: string; value?: string }>): EngineRef[] {
	const refs: EngineRef[] = [];
	for (const token of tokens) {
		if (token.kind !== 'option' || (token.name !== 'host' && token.name !== 'context')) continue;
		if (!token.value) throw new UsageError(`--${token.name} takes ${token.name === 'host' ? 'an endpoint (unix://, tcp://, ssh://)' : 'a docker context name'}`);
		refs.push({ kind: token.name, value: token.value });
	}
	return refs;
}

export const USAGE = `upgrade-wizard: upgrade Docker containers to a new image version, safely

Usage:
  upgrade-wizard [--yes] [--json] [selection] [--to TAG] [options]

Selection (combine as needed; containers are upgraded one at a time, in order):
  -c, --container NAME    a container by name (repeatable)
      --service NAME      a Swarm service by name (repeatable; the engine's rolling update)
      --image REPO        every container running an image of this repository
      --label KEY=VALUE   every container with this label (repeatable)

Target (default: the newest stable version in the current major, from the registry):
      --to TAG            target tag of the same repository; skipped minor versions
                          are upgraded through in sequence (one swap per hop)
      --allow-major       let the default target be in a newer major (--yes needs
                          this or --to for a major upgrade)
      --pre               consider pre-release tags (as the final target; every hop
                          on the way is a stable release)
      --tag-include RE    only tags matching RE; --tag-exclude RE drops tags matching RE

Database (found from the app's DATABASE_URL unless given; PG* variables and
~/.pgpass fill in what the URL leaves out, such as the password):
      --db URL            the app's database (postgres://user@host:port/db)
      --db-container NAME the database runs in this container (dump/restore run in it)
      --backup-dir DIR    where the verified pg_dump goes (default: state dir/backups)
      --backup-format F   auto (default), custom (pg_dump -Fc, one file) or directory
                          (pg_dump -Fd -j N, restored with pg_restore -j; host tools only)
      --offline-backup    stop the app first and dump while it is stopped (longer downtime)
      --skip-backup       upgrade without a backup (never the default; asks again)
      --no-migrations     refuse (exit 2) when the target migrates the schema
      --migrate-first     run the profile's one-off migration in the new image first
      --migration-timeout S  health timeout for a migrating start (default 5 x --health-timeout)
      --stop-all-first    cluster: stop every node before the first migrating start
      --compose-down      Compose: stop the whole project first, start it again after
      --pg-bin DIR        take pg_dump/pg_restore from DIR (default: /usr/lib/postgresql/*/bin, PATH)
      --pg-image REF      without a host pg_dump new enough, run the tools in a one-off
                          container of REF (default postgres:<server major>)

Checks:
      --health-url URL    ask the HTTP check here (200, or the profile's status and body rules)
      --health-timeout S  seconds to wait for the new container to be healthy (default 120)
      --stable-for S      without healthcheck or URL: seconds it must stay up (default 10)
      --stop-timeout S    stop timeout (default: the container's own StopTimeout, else 10)
      --keep-old          keep <name>-old after success instead of removing it

PostgreSQL server containers, --to a newer major (e.g. --to 15):
      --app NAME          a container that uses the server (repeatable; found from the
                          containers' env otherwise): stopped during the move, started after

Engine (as the docker CLI finds it; default: DOCKER_HOST, DOCKER_CONTEXT, the
currentContext of $DOCKER_CONFIG/config.json, else unix:///var/run/docker.sock):
  -H, --host ENDPOINT     unix:///path, tcp://host:port (TLS: DOCKER_TLS_VERIFY and
                          DOCKER_CERT_PATH) or ssh://[user@]host[:port] (runs
                          ssh ... docker system dial-stdio; keys or agent, no prompts)
      --context NAME      a docker context (docker context ls); "default" is DOCKER_HOST
                          or the socket; both repeatable, one engine for now (two
                          names of one engine are one engine: the first names it)

Modes:
  -y, --yes               unattended: answer every confirmation yes (and log it)
      --json              NDJSON events on stdout, one object per line
      --dry-run           print the plan and the create options diff, touch nothing
  -h, --help              this help
  -V, --version           the version

Profiles (what the wizard knows about a product: database env, version labels, schema query):
      --profile FILE      load this profile file (YAML; repeatable) besides the built-ins and
                          $XDG_CONFIG_HOME/upgrade-wizard/profiles/*.yaml (~/.config/...)
      --profile-id ID     use this profile instead of the one the image matches
  upgrade-wizard profiles [--json] [--profile FILE]
                          list the loaded profiles and where each comes from

Recover (a run interrupted by kill -9, a lost ssh session, a reboot):
  upgrade-wizard recover [--yes] [--json] [--dry-run] [RUN_ID]
                          put every container of the interrupted hop back as it was
                          (same container, database restored if a migration began),
                          or finish a hop that had already passed its health gates;
                          without --yes in a terminal it shows what it will do first

Demo:
  upgrade-wizard demo         start a disposable demo stack and open the wizard on it
  upgrade-wizard demo --down  remove the demo stack

Exit codes:
  0  every container upgraded
  1  a container failed; everything was rolled back to the state before the run
  2  bad usage or input; nothing was touched
  3  failure and the rollback did not complete: the output says what is where and
     the commands to finish by hand

Environment: DOCKER_HOST and DOCKER_CONTEXT select the engine; DOCKER_CONFIG holds the
contexts and the registry credentials; XDG_STATE_HOME where journals, locks and the
audit log live.
`;
