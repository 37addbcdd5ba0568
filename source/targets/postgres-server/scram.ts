import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { literal, ident, queryJson, runSql, tool, type Conn } from './server-sql.js';

// PostgreSQL 14+ (and the official images from 14) authenticate with
// scram-sha-256, while a cluster of 10-13 stores md5 hashes: moved as they
// are, those roles can no longer log in. Where the wizard knows a role's
// password (the server container's POSTGRES_PASSWORD, a dependent's connection
// settings) it is set again as a SCRAM verifier computed here, as psql's
// \password does, so the password itself never reaches the server or its logs.

const ITERATIONS = 4096;

/** The verifier PostgreSQL stores for `password` (RFC 5802 / 7677, SASLprep omitted: ASCII passwords are unchanged by it). */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = ITERATIONS): string {
	const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
	const clientKey = createHmac('sha256', salted).update('Client Key').digest();
	const storedKey = createHash('sha256').update(clientKey).digest();
	const serverKey = createHmac('sha256', salted).update('Server Key').digest();
	return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

export interface KnownLogin {
	user: string;
	password: string;
	database: string;
	/** Whose login it is, in words ("the superuser", "app (DATABASE_URL)"). */
	who: string;
}

/** Roles whose stored password is an md5 hash. */
export async function md5Roles(docker: Docker, temp: string, fresh: Conn): Promise<string[]> {
	return queryJson<string[]>(docker, temp, { ...fresh, database: 'postgres' }, `SELECT coalesce(jsonb_agg(rolname ORDER BY rolname), '[]') FROM pg_authid WHERE rolpassword LIKE 'md5%'`);
}

/** Set the known passwords of md5 roles again, as SCRAM verifiers; returns the roles set and the md5 roles left as they were. */
export async function rehashKnown(docker: Docker, temp: string, fresh: Conn, logins: KnownLogin[]): Promise<{ rehashed: string[]; left: string[] }> {
	const md5 = await md5Roles(docker, temp, fresh);
	const known = new Map(logins.map((login) => [login.user, login.password]));
	const rehashed = md5.filter((role) => known.has(role));
	if (rehashed.length > 0) {
		const sql = rehashed.map((role) => `ALTER ROLE ${ident(role)} PASSWORD ${literal(scramVerifier(known.get(role)!))};`).join('\n');
		await runSql(docker, temp, { ...fresh, database: 'postgres' }, `${sql}\n`);
	}
	return { rehashed, left: md5.filter((role) => !known.has(role)) };
}

/** A password login over TCP (never the trusted local socket), as a dependent makes it; the failure in one line, or undefined. */
export async function loginFails(docker: Docker, container: string, address: string, port: number, login: KnownLogin): Promise<string | undefined> {
	const conn: Conn = { host: address, port, user: login.user, password: login.password, database: login.database };
	const result = await tool(docker, container, conn, ['psql', '-X', '-q', '-t', '-A', '-w', '-c', 'SELECT 1']);
	if (result.exitCode === 0 && result.stdout.trim() === '1') return undefined;
	const line = result.stderr.split('\n').find((text) => /FATAL|error/i.test(text)) ?? `exit code ${result.exitCode}`;
	return line.replace(login.password, '***').replace(/^psql:\s*(error:\s*)?/, '').trim();
}
