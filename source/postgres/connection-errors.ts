import type { DatabaseTarget } from './database-target.js';
import { DatabaseError, errorText, type DatabaseErrorKind } from './errors.js';

// The three connection faults an operator can fix (the server is down or
// elsewhere, the password is wrong, the database name is wrong) must read
// differently, whether they come from node-postgres (SQLSTATE, errno) or from
// a libpq tool's stderr (text only).

type ConnectionKind = Extract<DatabaseErrorKind, 'unreachable' | 'auth' | 'no-database'>;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET']);

const TEXT_RULES: Array<[RegExp, ConnectionKind]> = [
	[/database "[^"]*" does not exist/i, 'no-database'],
	[/password authentication failed|no password supplied|client password must be|role "[^"]*" does not exist|no pg_hba\.conf entry|peer authentication failed|authentication failed/i, 'auth'],
	[/connection refused|no such file or directory|could not translate host name|timeout expired|could not connect|is the server running|network is unreachable|no route to host|connection timed out|server closed the connection unexpectedly|connection terminated/i, 'unreachable'],
];

export function connectionKindOf(error: unknown): ConnectionKind | undefined {
	const code = (error as { code?: unknown } | undefined)?.code;
	if (code === '28P01' || code === '28000') return 'auth';
	if (code === '3D000') return 'no-database';
	if (code === '57P03') return 'unreachable'; // the database system is starting up / shutting down
	if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return 'unreachable';
	return connectionKindOfText(errorText(error));
}

export function connectionKindOfText(text: string): ConnectionKind | undefined {
	for (const [pattern, kind] of TEXT_RULES) if (pattern.test(text)) return kind;
	return undefined;
}

export function connectionMessage(kind: ConnectionKind, target: DatabaseTarget, detail: string): string {
	switch (kind) {
		case 'unreachable':
			return `cannot reach the database server for ${target.display} (${detail})`;
		case 'auth':
			if (target.password === undefined) {
				return `the database wants a password for user "${target.user ?? ''}" at ${target.display} and none was given (in the URL, PGPASSWORD or ~/.pgpass)`;
			}
			return `the database refused user "${target.user ?? ''}" for ${target.display}: wrong password or no such role (${detail})`;
		case 'no-database':
			return `database "${target.database}" does not exist on the server of ${target.display}`;
	}
}

/** The most telling line of a libpq/tool stderr, without the program prefix. */
export function keyLine(stderr: string): string {
	const lines = stderr
		.split('\n')
		.map((line) => line.trim())
		.filter(Boolean);
	const telling = lines.find((line) => /FATAL|ERROR|error:/.test(line)) ?? lines[0] ?? '';
	return telling.replace(/^(pg_dump|pg_restore|psql):\s*(error:\s*)?/, '').replace(/^.*?failed:\s*(?=FATAL|ERROR|could not|Connection|No such)/, '');
}

/**
 * A DatabaseError for a connection fault, or undefined when it is not one.
 * The detail comes from the error, scrubbed of the password by DatabaseError.
 */
export function connectionError(
	error: unknown,
	target: DatabaseTarget,
	make: (kind: DatabaseErrorKind, message: string, secrets: Array<string | undefined>) => DatabaseError = (k, m, s) => new DatabaseError(k, m, s),
): DatabaseError | undefined {
	const kind = connectionKindOf(error);
	if (!kind) return undefined;
	const code = (error as { code?: unknown }).code;
	const detail = typeof code === 'string' && UNREACHABLE_CODES.has(code) ? code : keyLine(errorText(error));
	return make(kind, connectionMessage(kind, target, detail), [target.password]);
}
