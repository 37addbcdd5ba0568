import pg from 'pg';
import type Docker from 'dockerode';
import { connectionError, keyLine } from './connection-errors.js';
import type { DatabaseTarget } from './database-target.js';
import { DatabaseError, errorText } from './errors.js';
import { clientConfig } from './libpq-env.js';
import { containerRunner } from './tool-runner.js';

// Read-only questions to the server, answered as one JSON value so the same
// SQL works through node-postgres (host) and through psql in a container,
// whose output we can only read as text.

export interface TableRows {
	schema: string;
	name: string;
	rows: number;
}

/**
 * Every user table pg_dump dumps (ordinary and partitioned; not extension
 * members, catalogs or temp tables) with its exact row count, as jsonb text
 * (jsonb prints on one line, which psql's line-based output needs).
 */
export const TABLES_SQL = `
SELECT coalesce(jsonb_agg(jsonb_build_object(
	'schema', n.nspname,
	'name', c.relname,
	'rows', (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint
) ORDER BY n.nspname, c.relname), '[]'::jsonb)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
	AND n.nspname NOT IN ('pg_catalog', 'information_schema')
	AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
	AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

/** An SQL error (not a connection fault), with its SQLSTATE when known. */
export class SqlError extends DatabaseError {
	constructor(
		message: string,
		readonly code?: string,
		secrets: Array<string | undefined> = [],
	) {
		super('query-failed', message, secrets);
		this.name = 'SqlError';
	}
}

export const PSQL_ARGS = ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose'];

/** Turn a failed psql run into a DatabaseError (connection, missing tool) or an SqlError. */
export function psqlFailure(target: DatabaseTarget, where: string, exitCode: number, stderr: string): Error {
	if (exitCode === 126 || exitCode === 127 || /executable file not found|no such file or directory.*psql/i.test(stderr)) {
		return new DatabaseError('no-pg-dump', `no psql in ${where}`);
	}
	const sqlState = /(?:ERROR|FATAL):\s+([0-9A-Z]{5}):/.exec(stderr)?.[1];
	const asConnection = connectionError(sqlState ? Object.assign(new Error(stderr), { code: sqlState }) : new Error(stderr), target);
	if (asConnection && (exitCode === 2 || sqlState?.startsWith('28') || sqlState === '3D000')) return asConnection;
	return new SqlError(keyLine(stderr).replace(/^(ERROR|FATAL):\s+([0-9A-Z]{5}:\s+)?/, '') || `psql exited with ${exitCode}`, sqlState, [target.password]);
}

async function withClient<T>(target: DatabaseTarget, run: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client(clientConfig(target));
	// A server that goes away mid-query emits 'error' on the client; the query rejects anyway.
	client.on('error', () => undefined);
	try {
		await client.connect();
	} catch (error) {
		await client.end().catch(() => undefined);
		throw connectionError(error, target) ?? new DatabaseError('unreachable', `cannot connect to ${target.display}: ${errorText(error)}`, [target.password]);
	}
	try {
		return await run(client);
	} catch (error) {
		const code = (error as { code?: string }).code;
		throw connectionError(error, target) ?? new SqlError(errorText(error), code, [target.password]);
	} finally {
		await client.end().catch(() => undefined);
	}
}

/** Run a query whose first row's first column is JSON (or null); returns it parsed. */
export async function queryJson<T>(target: DatabaseTarget, sql: string, docker?: Docker): Promise<T | null> {
	if (target.kind === 'host') {
		return withClient(target, async (client) => {
			const result = await client.query({ text: `SELECT (${sql})::text AS value`, rowMode: 'array' });
			const value = result.rows[0]?.[0] as string | null | undefined;
			return value == null ? null : (JSON.parse(value) as T);
		});
	}
	const runner = containerRunner(target, docker);
	const result = await runner.run('psql', [...PSQL_ARGS, '-c', `SELECT (${sql})::text`]);
	if (result.exitCode !== 0) throw psqlFailure(target, runner.where, result.exitCode, result.stderr);
	const text = result.stdout.trim();
	return text === '' ? null : (JSON.parse(text) as T);
}
