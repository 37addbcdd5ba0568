import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { execInContainer, runOneOff, type ProcessIo, type ProcessResult } from '../../postgres/docker-exec.js';
import { PSQL_ARGS } from '../../postgres/sql.js';
import { keyLine } from '../../postgres/connection-errors.js';
import { scrub } from '../../postgres/errors.js';

// The data move's tools run inside the temporary server of the NEW image
// (PostgreSQL's advice: the newer pg_dump reads the older server; the old image
// may ship no client tools at all). From there the old server is reached over
// its network address, the new one over the local socket. Connection settings
// travel in the exec's environment, never in arguments.

export interface Conn {
	/** An address, or the socket directory of the server the tools run beside. */
	host: string;
	port: number;
	user: string;
	password?: string;
	database: string;
}

/** The socket the official image (and the world's) listens on. */
export const LOCAL_SOCKET = '/var/run/postgresql';

export function connEnv(conn: Conn, appName = 'upgrade-wizard-move'): string[] {
	const env = [`PGHOST=${conn.host}`, `PGPORT=${conn.port}`, `PGUSER=${conn.user}`, `PGDATABASE=${conn.database}`, `PGAPPNAME=${appName}`, 'PGCONNECT_TIMEOUT=10', 'LC_MESSAGES=C'];
	if (conn.password !== undefined) env.push(`PGPASSWORD=${conn.password}`);
	return env;
}

export class ServerSqlError extends Error {}

/** One tool run in `container` against `conn`; a failure is one line without the password. */
export async function tool(docker: Docker, container: string, conn: Conn, cmd: string[], io: ProcessIo = {}): Promise<ProcessResult> {
	return execInContainer(docker, container, cmd, connEnv(conn), io);
}

export function failureLine(result: ProcessResult, conn: Conn): string {
	return scrub(keyLine(result.stderr) || result.error?.message || `exit code ${result.exitCode}`, [conn.password]);
}

/** A query whose one value is JSON, parsed. */
export async function queryJson<T>(docker: Docker, container: string, conn: Conn, sql: string): Promise<T> {
	return jsonOf<T>(await tool(docker, container, conn, jsonQuery(sql)), conn);
}

const jsonQuery = (sql: string) => ['psql', ...PSQL_ARGS, '-c', `SELECT (${sql})::text`];

/** The one JSON value a jsonQuery printed; a failure is one line without the password. */
function jsonOf<T>(result: ProcessResult, conn: Conn): T {
	if (result.exitCode !== 0) throw new ServerSqlError(`psql on ${conn.database}@${conn.host}: ${failureLine(result, conn)}`);
	return JSON.parse(result.stdout.trim() || 'null') as T;
}

/** Statements fed on stdin (so a verifier or a name never sits in an argument), stopping at the first error. */
export async function runSql(docker: Docker, container: string, conn: Conn, sql: string): Promise<void> {
	const result = await tool(docker, container, conn, ['psql', ...PSQL_ARGS, '-f', '-'], { stdin: Readable.from([sql]) });
	if (result.exitCode !== 0) throw new ServerSqlError(`psql on ${conn.database}@${conn.host}: ${failureLine(result, conn)}`);
}

/** SQL string literal. */
export function literal(text: string): string {
	return `'${text.replace(/'/g, "''")}'`;
}

/** SQL identifier. */
export function ident(text: string): string {
	return `"${text.replace(/"/g, '""')}"`;
}

/** The same JSON query from a one-off container of `image` on `network` (before any temporary server exists). */
export async function oneOffJson<T>(docker: Docker, spec: { image: string; network: string }, conn: Conn, sql: string): Promise<T> {
	return jsonOf<T>(await runOneOff(docker, { ...spec, labels: { 'io.upgrade-wizard.pg-tool': '1' } }, jsonQuery(sql), connEnv(conn)), conn);
}
