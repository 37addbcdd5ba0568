import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { World } from './world.js';

// Each test gets its own role and database on the world's Postgres, so tests
// never see each other's schema versions; dropped again in cleanup.

export interface TestDatabase {
	name: string;
	user: string;
	password: string;
	/** DATABASE_URL as seen from inside a container that bind-mounts the socket dir at /run/postgresql. */
	containerUrl: string;
	/** Bind mount that gives a container the world's Postgres socket. */
	socketMount: string;
	query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
	drop(): Promise<void>;
}

async function withClient<T>(config: pg.ClientConfig, run: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({ ...config, connectionTimeoutMillis: 10_000 });
	await client.connect();
	try {
		return await run(client);
	} finally {
		await client.end();
	}
}

/** `password` replaces the generated one (no single quotes: it goes into SQL as a literal). */
export async function createTestDatabase(w: World, prefix = 'app', options: { password?: string } = {}): Promise<TestDatabase> {
	const suffix = randomBytes(4).toString('hex');
	const name = `${prefix}_${suffix}`;
	const user = `u_${suffix}`;
	// A password with URL-special characters proves redaction handles the encoded form too.
	const password = options.password ?? `pw-${randomBytes(6).toString('hex')}-s3cret`;
	if (password.includes("'")) throw new Error('createTestDatabase: a password with a single quote is not supported');
	const admin: pg.ClientConfig = { host: w.pgHost, port: w.pgPort, user: w.pgSuperuser, password: w.pgSuperuserPassword, database: 'postgres' };
	await withClient(admin, async (client) => {
		await client.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
		await client.query(`CREATE DATABASE ${name} OWNER ${user}`);
	});
	const own: pg.ClientConfig = { host: w.pgHost, port: w.pgPort, user, password, database: name };
	return {
		name,
		user,
		password,
		containerUrl: `postgresql://${user}:${password}@/${name}?host=/run/postgresql`,
		socketMount: `${w.pgSocketDir}:/run/postgresql`,
		query: (sql, params) => withClient(own, async (client) => (await client.query(sql, params as unknown[])).rows),
		drop: () =>
			withClient(admin, async (client) => {
				await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
				await client.query(`DROP ROLE IF EXISTS ${user}`);
			}),
	};
}
