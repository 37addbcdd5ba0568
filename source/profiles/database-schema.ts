import type { Reader } from './reader.js';

// The `database` part of a profile: where the app says its database is.
// Several forms may be given, and a run tries them in DATABASE_FORMS order
// (database-location.ts), taking the first that finds something; `embedded`
// (a server the product runs inside its own container, on a data directory it
// mounts) comes last, because products offer it as the default when no
// external database is configured. Plain data: it is journaled as is so that `recover` finds
// the database the same way (it holds key names and paths, never a secret).

export const CONNECTION_DIALECTS = ['npgsql', 'libpq', 'sqlserver'] as const;
export type ConnectionDialect = (typeof CONNECTION_DIALECTS)[number];
export const CONFIG_FORMATS = ['yaml', 'json', 'ini'] as const;
export type ConfigFormat = (typeof CONFIG_FORMATS)[number];

export interface DatabaseSpec {
	/** Env keys holding a postgres:// URL, in order of preference. */
	urlEnv?: string[];
	/** Env keys holding each part; `defaults` fill parts the container does not set. */
	env?: {
		host: string;
		port?: string;
		name: string;
		user: string;
		password?: string;
		defaults?: { host?: string; port?: number; name?: string; user?: string };
	};
	/** Env keys (or globs over env keys: `*`) holding a key=value connection string, in order of preference. */
	connectionStrings?: Array<{ env: string; dialect: ConnectionDialect }>;
	/** A config file inside the container whose `key` (dotted for nested maps; ini: section.key) holds a postgres:// URL. */
	configFile?: { path: string; format: ConfigFormat; key: string };
	/** A PostgreSQL server inside the app container itself, on the data directory at `dataDir` (a volume or bind mount). */
	embedded?: { dataDir: string };
}

/** The order forms are tried in, whatever order the file writes them in. */
export const DATABASE_FORMS = ['urlEnv', 'env', 'connectionStrings', 'configFile', 'embedded'] as const;

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_GLOB = /^[A-Za-z_*][A-Za-z0-9_*]*$/;
const KEY_PATH = /^[^.\s]+(\.[^.\s]+)*$/;

export function readDatabase(r: Reader, value: unknown): DatabaseSpec {
	const database = r.object(value, 'database', [...DATABASE_FORMS]);
	if (!DATABASE_FORMS.some((form) => database[form] !== undefined)) r.fail('database', `needs at least one of ${DATABASE_FORMS.join(', ')}`);
	const spec: DatabaseSpec = {};
	if (database.urlEnv !== undefined) spec.urlEnv = r.strings(database.urlEnv, 'database.urlEnv', ENV_KEY, 'an environment variable name');
	if (database.env !== undefined) spec.env = readEnvParts(r, database.env);
	if (database.connectionStrings !== undefined) spec.connectionStrings = readConnectionStrings(r, database.connectionStrings);
	if (database.configFile !== undefined) {
		const file = r.object(database.configFile, 'database.configFile', ['path', 'format', 'key']);
		spec.configFile = {
			path: r.string(file.path, 'database.configFile.path', /^\/\S*[^/\s]$/, 'an absolute path to a file'),
			format: r.string(file.format, 'database.configFile.format', new RegExp(`^(${CONFIG_FORMATS.join('|')})$`), `one of ${CONFIG_FORMATS.join(', ')}`) as ConfigFormat,
			key: r.string(file.key, 'database.configFile.key', KEY_PATH, 'a key, dotted for nested maps (ini: section.key)'),
		};
	}
	if (database.embedded !== undefined) {
		const embedded = r.object(database.embedded, 'database.embedded', ['dataDir']);
		spec.embedded = { dataDir: r.string(embedded.dataDir, 'database.embedded.dataDir', /^\/\S*[^/\s]$/, 'an absolute path to a directory') };
	}
	return spec;
}

function readEnvParts(r: Reader, value: unknown): NonNullable<DatabaseSpec['env']> {
	const at = 'database.env';
	const env = r.object(value, at, ['host', 'port', 'name', 'user', 'password', 'defaults']);
	const key = (name: string) => r.string(env[name], `${at}.${name}`, ENV_KEY, 'an environment variable name');
	const out: NonNullable<DatabaseSpec['env']> = { host: key('host'), name: key('name'), user: key('user') };
	if (env.port !== undefined) out.port = key('port');
	if (env.password !== undefined) out.password = key('password');
	if (env.defaults !== undefined) {
		const defaults = r.object(env.defaults, `${at}.defaults`, ['host', 'port', 'name', 'user']);
		out.defaults = {};
		for (const name of ['host', 'name', 'user'] as const) {
			if (defaults[name] !== undefined) out.defaults[name] = r.string(defaults[name], `${at}.defaults.${name}`);
		}
		if (defaults.port !== undefined) out.defaults.port = r.integer(defaults.port, `${at}.defaults.port`, 1, 65_535);
	}
	return out;
}

function readConnectionStrings(r: Reader, value: unknown): NonNullable<DatabaseSpec['connectionStrings']> {
	const list = Array.isArray(value) ? value : [value];
	if (list.length === 0) r.fail('database.connectionStrings', 'must be a mapping or a non-empty list of mappings, not an empty list');
	return list.map((item, index) => {
		const at = Array.isArray(value) ? `database.connectionStrings[${index}]` : 'database.connectionStrings';
		const entry = r.object(item, at, ['env', 'dialect']);
		return {
			env: r.string(entry.env, `${at}.env`, ENV_GLOB, 'an environment variable name or a glob of one ("*" for any characters)'),
			dialect: r.string(entry.dialect, `${at}.dialect`, new RegExp(`^(${CONNECTION_DIALECTS.join('|')})$`), `one of ${CONNECTION_DIALECTS.join(', ')}`) as ConnectionDialect,
		};
	});
}
