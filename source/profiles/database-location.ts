import { posix } from 'node:path';
import { formatConnectionUrl, type ConnectionUrl } from '../postgres/connection-url.js';
import { configValue, ConfigFileError } from './config-file.js';
import { ConnectionStringError, parseConnectionString } from './connection-strings.js';
import { DATABASE_FORMS, type DatabaseSpec } from './database-schema.js';

// Where an app container's database is, from its profile's database forms:
// pure but for the file reader it is given (container-file.ts in a run, a
// fake in tests). The forms are tried in DATABASE_FORMS order (urlEnv, env,
// connectionStrings, configFile) and the first that finds something wins, so
// one profile can describe a product whose versions moved the setting. The
// answer is a postgres URL (what the rest of the run reads), a refusal (a SQL
// Server database), or the list of what was looked at.

export type DatabaseForm = (typeof DATABASE_FORMS)[number];

export interface FileRead {
	text: string;
	/** How it was read, for the plan: `bind mount /srv/app/config.yaml`. */
	via: string;
}

/** Reads a file inside the app container; undefined when there is no such file. */
export type ReadContainerFile = (path: string) => Promise<FileRead | undefined>;

export type DatabaseLocation =
	/** `from` says where it was found, never a value: `DB_URI in /conf/stack/config.yaml (bind mount ...)`. */
	| { kind: 'url'; url: string; form: DatabaseForm; from: string }
	/** `secret`: the SQL Server password, for the redactor only. */
	| { kind: 'sqlserver'; from: string; secret?: string }
	/** A server inside the app container on `dataDir`; `major` is its PG_VERSION. */
	| { kind: 'embedded'; dataDir: string; major: string; from: string }
	| { kind: 'none'; looked: string[] };

/** A form that names the database badly (a part missing, a string that does not parse): one line, no value quoted. */
export class DatabaseLocationError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'DatabaseLocationError';
	}
}

export function envValue(env: readonly string[] | undefined, key: string): string | undefined {
	const entry = (env ?? []).find((item) => item.startsWith(`${key}=`));
	return entry === undefined ? undefined : entry.slice(key.length + 1);
}

/** An env-key glob: `*` stands for any run of key characters. */
export function envGlob(glob: string): RegExp {
	return new RegExp(`^${glob.split('*').map((part) => part.replace(/[^A-Za-z0-9_]/g, '\\$&')).join('[A-Za-z0-9_]*')}$`);
}

export async function locateFromSpec(spec: DatabaseSpec, env: readonly string[] | undefined, readFile: ReadContainerFile): Promise<DatabaseLocation> {
	const looked: string[] = [];
	for (const form of DATABASE_FORMS) {
		const found = await FORMS[form](spec, env, readFile, looked);
		if (found) return found;
	}
	return { kind: 'none', looked };
}

type Try = (spec: DatabaseSpec, env: readonly string[] | undefined, readFile: ReadContainerFile, looked: string[]) => Promise<DatabaseLocation | undefined>;

const FORMS: Record<DatabaseForm, Try> = {
	async urlEnv(spec, env, _readFile, looked) {
		if (!spec.urlEnv) return undefined;
		for (const key of spec.urlEnv) {
			const url = envValue(env, key);
			if (url) return { kind: 'url', url, form: 'urlEnv', from: key };
		}
		looked.push(`${spec.urlEnv.join(' or ')} in its environment`);
		return undefined;
	},

	async env(spec, env, _readFile, looked) {
		const keys = spec.env;
		if (!keys) return undefined;
		const names = [keys.host, keys.port, keys.name, keys.user, keys.password].filter((key): key is string => key !== undefined);
		const set = names.filter((key) => envValue(env, key));
		// Defaults alone never make a database: the app must name at least one part.
		if (set.length === 0) {
			looked.push(`${names.join('/')} in its environment`);
			return undefined;
		}
		const value = (key: string | undefined) => (key === undefined ? undefined : envValue(env, key) || undefined);
		const parts: ConnectionUrl = {};
		const host = value(keys.host) ?? keys.defaults?.host;
		const user = value(keys.user) ?? keys.defaults?.user;
		if (!host) throw new DatabaseLocationError(`${set.join(', ')} set but not ${keys.host}, and the profile gives no database.env.defaults.host`);
		if (!user) throw new DatabaseLocationError(`${set.join(', ')} set but not ${keys.user}, and the profile gives no database.env.defaults.user`);
		parts.host = host;
		parts.user = user;
		const port = value(keys.port);
		if (port !== undefined) {
			if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65_535) throw new DatabaseLocationError(`${keys.port} is not a port number`);
			parts.port = Number(port);
		} else if (keys.defaults?.port !== undefined) parts.port = keys.defaults.port;
		// libpq's rule: no database name means the user's.
		parts.database = value(keys.name) ?? keys.defaults?.name ?? user;
		const password = value(keys.password);
		if (password !== undefined) parts.password = password;
		return { kind: 'url', url: formatConnectionUrl(parts), form: 'env', from: set.join(', ') };
	},

	async connectionStrings(spec, env, _readFile, looked) {
		if (!spec.connectionStrings) return undefined;
		for (const { env: pattern, dialect } of spec.connectionStrings) {
			const glob = envGlob(pattern);
			for (const entry of env ?? []) {
				const eq = entry.indexOf('=');
				const key = entry.slice(0, eq);
				const text = entry.slice(eq + 1);
				if (eq <= 0 || !glob.test(key) || text.trim() === '') continue;
				let parsed;
				try {
					parsed = parseConnectionString(text, dialect);
				} catch (error) {
					if (error instanceof ConnectionStringError) throw new DatabaseLocationError(`${key} is not a valid ${dialect} connection string: ${error.message}`);
					throw error;
				}
				if (parsed.kind === 'sqlserver') return { kind: 'sqlserver', from: key, ...(parsed.password === undefined ? {} : { secret: parsed.password }) };
				return { kind: 'url', url: formatConnectionUrl(parsed.parts), form: 'connectionStrings', from: `${key} (${dialect} connection string)` };
			}
		}
		looked.push(`${spec.connectionStrings.map((entry) => entry.env).join(' or ')} in its environment`);
		return undefined;
	},

	async configFile(spec, _env, readFile, looked) {
		const file = spec.configFile;
		if (!file) return undefined;
		const read = await readFile(file.path);
		if (!read) {
			looked.push(`${file.path} in the container (no such file)`);
			return undefined;
		}
		const where = `${file.key} in ${file.path} (${read.via})`;
		let url: string | undefined;
		try {
			url = await configValue(read.text, file.format, file.key);
		} catch (error) {
			if (error instanceof ConfigFileError) throw new DatabaseLocationError(`${file.path} (${read.via}): ${error.message}`);
			throw error;
		}
		if (!url) {
			looked.push(`${file.key} in ${file.path} (${read.via}: not set there)`);
			return undefined;
		}
		if (!/^postgres(ql)?:\/\//i.test(url.trim())) throw new DatabaseLocationError(`${where} is not a postgres:// URL`);
		return { kind: 'url', url: url.trim(), form: 'configFile', from: where };
	},

	// PG_VERSION is what makes a directory a PostgreSQL data directory (initdb
	// writes it first); without it the product has not made its database there.
	async embedded(spec, _env, readFile, looked) {
		const dataDir = spec.embedded?.dataDir;
		if (!dataDir) return undefined;
		const read = await readFile(posix.join(dataDir, 'PG_VERSION'));
		const major = read?.text.trim();
		if (!read || !major || !/^\d+(\.\d+)?$/.test(major)) {
			looked.push(`PostgreSQL data directory at ${dataDir} in the container`);
			return undefined;
		}
		return { kind: 'embedded', dataDir, major, from: `the PostgreSQL ${major} data directory ${dataDir} (${read.via.replace(/\/PG_VERSION$/, '')})` };
	},
};
