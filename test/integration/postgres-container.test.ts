import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { docker, inspect, removeByLabel, TEST_LABEL, uniqueName, waitHealthy } from '../support/docker.js';
import { expectDatabaseFault, filesIn, processesMentioning } from '../support/pg-safety.js';
import { resolveDatabaseTarget, type DatabaseTarget } from '../../source/postgres/database-target.js';
import { containerLookup } from '../../source/postgres/container-lookup.js';
import { backupDatabase, type BackupResult } from '../../source/postgres/backup.js';
import { restoreDatabase } from '../../source/postgres/restore.js';
import { schemaVersion, serverInfo } from '../../source/postgres/server-info.js';

// The database in a container on the app's network, its port published
// nowhere: the wizard must find it from the app's DATABASE_URL and dump and
// restore it from inside that network (docker exec in the database container,
// or a one-off container of a Postgres image next to it).

const w = world();
const id = uniqueName('pgc');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const network = `${id}-net`;
const dbName = `${id}-db`;
const appName = `${id}-app`;
const PASSWORD = `pw-${id}-s3cret`;
const SCHEMA_QUERY = 'SELECT max(version) FROM schema_version';
const engine = new Docker();
let root: string;
let target: DatabaseTarget;
let backup: BackupResult;

async function dbPsql(sql: string): Promise<string> {
	// Inside the database container the local socket is trusted: no password needed.
	const { stdout } = await docker(['exec', dbName, 'psql', '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-U', 'app', '-d', 'appdb', '-c', sql]);
	return stdout.trim();
}

async function rowCounts(): Promise<Record<string, number>> {
	const json = await dbPsql(
		`SELECT jsonb_object_agg(table_name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text::int)
		 FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
	);
	return JSON.parse(json) as Record<string, number>;
}

beforeAll(async () => {
	root = await mkdtemp(join(tmpdir(), 'uw-pg-container-'));
	await docker(['network', 'create', '--label', TEST_LABEL, '--label', caseLabel, network]);
	await docker([
		'run', '-d', '--name', dbName, '--network', network, '--network-alias', 'pg',
		'--label', TEST_LABEL, '--label', caseLabel,
		'-e', `POSTGRES_PASSWORD=${PASSWORD}`, '-e', 'POSTGRES_USER=app', '-e', 'POSTGRES_DB=appdb',
		w.pgImage,
	]);
	await waitHealthy(dbName, 90_000);
	await docker([
		'run', '-d', '--name', appName, '--network', network,
		'--label', TEST_LABEL, '--label', caseLabel,
		'-e', `DATABASE_URL=postgresql://app:${PASSWORD}@pg:5432/appdb`,
		`${w.appRepo}:1.6.0`,
	]);
	await waitHealthy(appName, 90_000);
	const app = await inspect(appName);
	const url = (app.Config.Env as string[]).find((e) => e.startsWith('DATABASE_URL='))!.slice('DATABASE_URL='.length);
	const appNetworks = Object.keys(app.NetworkSettings.Networks);
	target = await resolveDatabaseTarget({ url, env: { HOME: root }, appMounts: app.Mounts, appNetworks, lookupContainer: containerLookup(engine, appNetworks) });
}, 240_000);

afterAll(async () => {
	await removeByLabel(caseLabel);
	if (root) await rm(root, { recursive: true, force: true });
});

describe('a database in a container, never published', () => {
	it('is found by its alias on the app network as kind container', async () => {
		const db = await inspect(dbName);
		expect(Object.values(db.NetworkSettings.Ports ?? {}).every((bindings) => bindings === null)).toBe(true);
		expect(target).toMatchObject({ kind: 'container', container: dbName, network, image: w.pgImage, host: 'pg', port: 5432, database: 'appdb', user: 'app', password: PASSWORD });
		expect(target.display).toBe(`postgres://app@pg:5432/appdb (via container ${dbName})`);
		const info = await serverInfo(target, engine);
		expect(info.major).toBe(15);
		expect(info.tables).toEqual(expect.arrayContaining([{ schema: 'public', name: 'accounts', rows: 50 }]));
		expect(await schemaVersion(target, SCHEMA_QUERY, engine)).toBe(3);
	});

	it('backs up through docker exec, streamed to a private file on the host', async () => {
		const dir = join(root, 'backups');
		let leaked: string[] | undefined;
		backup = await backupDatabase({
			target,
			dir,
			fileStem: `${appName}-1.6.0-to-1.7.0-20250101T000000Z`,
			docker: engine,
			onProgress: () => void processesMentioning(PASSWORD).then((found) => (leaked ??= found)),
		});
		expect(backup.dumpedBy).toBe(`container ${dbName}`);
		expect((await stat(dir)).mode & 0o777).toBe(0o700);
		expect((await stat(backup.path)).mode & 0o777).toBe(0o600);
		expect((await readFile(backup.path)).subarray(0, 5).toString()).toBe('PGDMP');
		await execa('sha256sum', ['-c', backup.sha256Path], { cwd: dir });
		const listing = await execa(`${w.pgBin}/pg_restore`, ['--list', backup.path]);
		expect(listing.stdout).toMatch(/TABLE public accounts app/);
		expect(backup.tables).toEqual(expect.arrayContaining([{ schema: 'public', name: 'accounts', rows: 50 }, { schema: 'public', name: 'schema_version', rows: 1 }]));
		expect(leaked ?? []).toEqual([]);
	});

	it('restores through the container: exact row counts, schema version, extra table gone', async () => {
		const before = await rowCounts();
		await docker(['stop', appName]);
		await dbPsql("CREATE TABLE half_migrated (id int); INSERT INTO half_migrated VALUES (1); DELETE FROM accounts WHERE id > 5; UPDATE schema_version SET version = 77");
		const result = await restoreDatabase({ target, backup, docker: engine });
		expect(result.verified.map((v) => v.actual)).toEqual(result.verified.map((v) => v.expected));
		expect(await rowCounts()).toEqual(before);
		expect(await schemaVersion(target, SCHEMA_QUERY, engine)).toBe(3);
		expect(await dbPsql("SELECT count(*) FROM pg_class WHERE relname = 'half_migrated'")).toBe('0');
		await docker(['start', appName]);
		await waitHealthy(appName, 90_000);
	});

	it('also works from a one-off Postgres container on the network (password over TCP, from the environment)', async () => {
		const oneOff: DatabaseTarget = { ...target, container: undefined, display: 'postgres://app@pg:5432/appdb (via a one-off container)' };
		delete oneOff.container;
		const dir = join(root, 'one-off');
		const result = await backupDatabase({ target: oneOff, dir, fileStem: 'one-off', docker: engine });
		expect(result.dumpedBy).toBe(`a one-off ${w.pgImage} container on ${network}`);
		expect(result.tables).toEqual(backup.tables);
		await dbPsql('DELETE FROM settings');
		await docker(['stop', appName]);
		const restored = await restoreDatabase({ target: oneOff, backup: result, docker: engine });
		expect(restored.verified.find((v) => v.name === 'settings')).toMatchObject({ expected: 3, actual: 3 });
		await docker(['start', appName]);
		// Tool containers are removed after each run.
		const left = await docker(['ps', '-aq', '--filter', 'label=io.upgrade-wizard.pg-tool=1', '--filter', `network=${network}`]);
		expect(left.stdout.trim()).toBe('');
		// A wrong password is refused over TCP, as one line that does not show it.
		await expectDatabaseFault(backupDatabase({ target: { ...oneOff, password: 'not-the-password' }, dir, fileStem: 'bad-pw', docker: engine }), 'auth', /wrong password or no such role/, PASSWORD);
		expect(await filesIn(dir)).toEqual(['one-off.dump', 'one-off.dump.sha256']);
	});

	it('an aborted dump in the container: partial file removed, the dump session ended', async () => {
		await dbPsql("CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5(random()::text) AS payload FROM generate_series(1, 700000) AS g");
		const dir = join(root, 'aborted');
		const controller = new AbortController();
		let reported = 0;
		await expectDatabaseFault(
			backupDatabase({ target, dir, fileStem: 'aborted', docker: engine, signal: controller.signal, onProgress: (bytes) => ((reported = bytes), controller.abort()) }),
			'dump-failed',
			/aborted; no partial dump was kept/,
			PASSWORD,
		);
		expect(reported).toBeGreaterThan(0);
		expect(await filesIn(dir)).toEqual([]);
		let sessions = '';
		for (let i = 0; i < 40; i++) {
			sessions = await dbPsql("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'upgrade-wizard%'");
			if (sessions === '0') break;
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(sessions).toBe('0');
		await dbPsql('DROP TABLE big');
	}, 120_000);

	it('faults: a database that does not exist, a stopped database container', async () => {
		const dir = join(root, 'faults');
		await expectDatabaseFault(backupDatabase({ target: { ...target, database: 'nope' }, dir, fileStem: 'nope', docker: engine }), 'no-database', /database "nope" does not exist/, PASSWORD);
		await docker(['stop', dbName]);
		await expectDatabaseFault(backupDatabase({ target, dir, fileStem: 'stopped', docker: engine }), 'unreachable', new RegExp(`container ${dbName}.*not running`), PASSWORD);
		expect(await filesIn(dir)).toEqual([]);
	});
});
