import type pg from 'pg';
import type { DatabaseTarget } from './database-target.js';

// Connection settings reach pg_dump, pg_restore and psql through the child's
// environment, never its arguments: arguments are world-readable in ps, and a
// database name given as an argument is parsed as a connection string when it
// contains '='.

const CONNECT_TIMEOUT_S = 10;

/** Variables of the wizard's own environment that would override or redirect our settings. */
const OVERRIDING = [
	'PGHOST',
	'PGHOSTADDR',
	'PGPORT',
	'PGDATABASE',
	'PGUSER',
	'PGPASSWORD',
	'PGPASSFILE',
	'PGSERVICE',
	'PGSERVICEFILE',
	'PGOPTIONS',
	'PGAPPNAME',
	'PGSSLMODE',
	'PGREQUIRESSL',
	'PGTARGETSESSIONATTRS',
	'PGCONNECT_TIMEOUT',
];

/**
 * libpq settings for one tool run. `where` says where the tool runs: on the
 * host (connects to target.host), inside the DB container (its local socket),
 * or in a one-off container next to it (connects to target.host by name).
 */
export function libpqSettings(target: DatabaseTarget, where: 'host' | 'db-container' | 'one-off', appName: string): Record<string, string> {
	const settings: Record<string, string> = {
		PGDATABASE: target.database,
		PGPORT: String(target.port ?? 5432),
		PGAPPNAME: appName,
		PGCONNECT_TIMEOUT: String(CONNECT_TIMEOUT_S),
		// Faults are told apart by the tools' messages: keep them in English.
		LC_MESSAGES: 'C',
	};
	if (target.user) settings.PGUSER = target.user;
	if (target.password !== undefined) settings.PGPASSWORD = target.password;
	if (where !== 'db-container' && target.host) settings.PGHOST = target.host;
	// Unix sockets never use TLS; over TCP the operator's sslmode applies.
	if (where !== 'db-container' && target.sslmode) settings.PGSSLMODE = target.sslmode;
	return settings;
}

/** The host process's environment for a tool: ours, minus PG* variables that would redirect it. */
export function hostToolEnv(target: DatabaseTarget, appName: string, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(base)) {
		if (value !== undefined && !OVERRIDING.includes(key)) env[key] = value;
	}
	// LC_ALL would override our LC_MESSAGES; keep its character set only.
	if (env.LC_ALL) {
		env.LC_CTYPE = env.LC_ALL;
		delete env.LC_ALL;
	}
	return { ...env, ...libpqSettings(target, 'host', appName) };
}

function sslOption(sslmode: string | undefined): pg.ClientConfig['ssl'] {
	switch (sslmode) {
		case 'require':
			return { rejectUnauthorized: false };
		case 'verify-ca':
		case 'verify-full':
			return { rejectUnauthorized: true };
		default:
			// disable/allow/prefer: node-postgres cannot fall back between TLS and
			// plain, so these connect in plain text, as libpq does with a server
			// that has no TLS.
			return false;
	}
}

export function clientConfig(target: DatabaseTarget, appName = 'upgrade-wizard'): pg.ClientConfig {
	return {
		host: target.host,
		port: target.port ?? 5432,
		database: target.database,
		user: target.user,
		// An empty string keeps node-postgres from reading PGPASSWORD/.pgpass on its own.
		password: target.password ?? '',
		ssl: sslOption(target.sslmode),
		application_name: appName,
		connectionTimeoutMillis: CONNECT_TIMEOUT_S * 1000,
	};
}
