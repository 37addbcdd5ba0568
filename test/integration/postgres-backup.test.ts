import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, freePort, inspect, removeByLabel, uniqueName, waitHealthy } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { expectDatabaseFault, filesIn, processesMentioning, superPsql } from '../support/pg-safety.js';
import { resolveDatabaseTarget, type DatabaseTarget } from '../../source/postgres/database-target.js';
import { backupDatabase, checkBackupSpace, type BackupResult } from '../../source/postgres/backup.js';
import { restoreDatabase } from '../../source/postgres/restore.js';
import { schemaVersion, serverInfo } from '../../source/postgres/server-info.js';
import { findPgDump } from '../../source/postgres/pg-tools.js';
import { BackupError } from '../../source/postgres/errors.js';

// The backup is what makes a migrating upgrade reversible: on a database that
// a real fixture app (1.6.0) migrated, it must be complete, private, checksummed
// and restorable, and every fault must be one clear line with nothing left behind.

const w = world();
const id = uniqueName('pgb');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const appName = `${id}-app`;
const SCHEMA_QUERY = 'SELECT max(version) FROM schema_version';
let db: TestDatabase;
let scratch: TestDatabase;
let big: TestDatabase;
let target: DatabaseTarget;
let root: string;
let backupDir: string;
let backup: BackupResult;
const progress: Array<[number, number]> = [];

function tcpTarget(d: TestDatabase, overrides: Partial<DatabaseTarget> = {}): DatabaseTarget {
	const t = { kind: 'host' as const, host: w.pgHost, port: w.pgPort, database: d.name, user: d.user, password: d.password, ...overrides };
	return { ...t, display: `postgres://${t.user}@${t.host}:${t.port}/${t.database}` };
}

async function rowCounts(d: TestDatabase): Promise<Record<string, number>> {
	const rows = await d.query<{ name: string; rows: number }>(
		`SELECT table_name AS name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text::int AS rows
		 FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
	);
	return Object.fromEntries(rows.map((r) => [r.name, r.rows]));
}

beforeAll(async () => {
	[db, scratch, big] = await Promise.all([createTestDatabase(w), createTestDatabase(w, 'scratch'), createTestDatabase(w, 'big')]);
	await startApp(w, { name: appName, tag: '1.6.0', db, caseLabel });
	root = await mkdtemp(join(tmpdir(), 'uw-pg-backup-'));
	backupDir = join(root, 'state', 'backups');
	// The app reads DATABASE_URL with a socket dir inside its container: the
	// wizard finds the database the way it will in production.
	const app = await inspect(appName);
	const url = (app.Config.Env as string[]).find((e) => e.startsWith('DATABASE_URL='))!.slice('DATABASE_URL='.length);
	target = await resolveDatabaseTarget({ url, env: { HOME: root }, appMounts: app.Mounts, appNetworks: Object.keys(app.NetworkSettings.Networks) });
});

afterAll(async () => {
	await removeByLabel(caseLabel);
	await Promise.all([db?.drop(), scratch?.drop(), big?.drop()]);
	if (root) await rm(root, { recursive: true, force: true });
});

describe('backup and restore on a migrated database', () => {
	it('finds the app database through its socket bind mount, and reads its version and schema', async () => {
		expect(target).toMatchObject({ kind: 'host', host: w.pgSocketDir, database: db.name, user: db.user, password: db.password });
		expect(target.display).not.toContain(db.password);
		const info = await serverInfo(target);
		expect(info.major).toBe(15);
		expect(info.databaseSizeBytes).toBeGreaterThan(0);
		expect(info.tables).toEqual(expect.arrayContaining([{ schema: 'public', name: 'accounts', rows: 50 }, { schema: 'public', name: 'schema_version', rows: 1 }]));
		expect(await schemaVersion(target, SCHEMA_QUERY)).toBe(3);
		expect(await schemaVersion(tcpTarget(scratch), SCHEMA_QUERY)).toBeUndefined();
	});

	it('writes a verified, private, checksummed dump', async () => {
		const inspectJson = { Name: `/${appName}`, Config: { Env: ['DATABASE_URL=postgresql://u:***@/db'] } };
		backup = await backupDatabase({ target, dir: backupDir, fileStem: `${appName}-1.6.0-to-1.7.0-20250101T000000Z`, containerInspect: inspectJson, onProgress: (b, ms) => progress.push([b, ms]) });
		expect(backup.path).toBe(join(backupDir, `${appName}-1.6.0-to-1.7.0-20250101T000000Z.dump`));
		expect((await stat(backupDir)).mode & 0o777).toBe(0o700);
		for (const file of [backup.path, backup.sha256Path, backup.inspectPath!]) expect((await stat(file)).mode & 0o777).toBe(0o600);
		expect(await filesIn(backupDir)).toEqual([`${appName}-1.6.0-to-1.7.0-20250101T000000Z.dump`, `${appName}-1.6.0-to-1.7.0-20250101T000000Z.dump.sha256`, `${appName}-1.6.0-to-1.7.0-20250101T000000Z.inspect.json`]);

		const bytes = await readFile(backup.path);
		expect(backup.sizeBytes).toBe(bytes.length);
		expect(bytes.subarray(0, 5).toString()).toBe('PGDMP');
		const sha = createHash('sha256').update(bytes).digest('hex');
		expect(backup.sha256).toBe(sha);
		expect(await readFile(backup.sha256Path, 'utf8')).toBe(`${sha}  ${appName}-1.6.0-to-1.7.0-20250101T000000Z.dump\n`);
		await execa('sha256sum', ['-c', backup.sha256Path], { cwd: backupDir });
		expect(JSON.parse(await readFile(backup.inspectPath!, 'utf8'))).toEqual(inspectJson);

		const listing = await execa(`${w.pgBin}/pg_restore`, ['--list', backup.path]);
		for (const table of ['accounts', 'settings', 'schema_version']) expect(listing.stdout).toMatch(new RegExp(`TABLE public ${table} `));
		expect(backup.listedTables).toEqual(expect.arrayContaining(['public.accounts', 'public.settings', 'public.schema_version']));
		expect(backup.serverVersion).toMatch(/^15\./);
		expect(backup.tables).toEqual(expect.arrayContaining([{ schema: 'public', name: 'accounts', rows: 50 }, { schema: 'public', name: 'settings', rows: 3 }]));
		expect(JSON.stringify(backup)).not.toContain(db.password);
	});

	it('restores into a scratch database with equal row counts', async () => {
		const result = await restoreDatabase({ target: tcpTarget(scratch), backup });
		expect(result.verified.map((v) => v.actual)).toEqual(result.verified.map((v) => v.expected));
		expect(await rowCounts(scratch)).toEqual(await rowCounts(db));
		expect(await schemaVersion(tcpTarget(scratch), SCHEMA_QUERY)).toBe(3);
	});

	it('brings a damaged database back to exactly the backed-up state', async () => {
		const before = await rowCounts(db);
		// A rollback restores after the new container is stopped.
		await docker(['stop', appName]);
		await db.query('CREATE TABLE half_migrated (id serial PRIMARY KEY, note text)');
		await db.query("INSERT INTO half_migrated (note) VALUES ('x'), ('y')");
		await db.query('CREATE VIEW accounts_view AS SELECT id FROM accounts');
		await db.query('ALTER TABLE accounts ADD COLUMN locale text');
		await db.query('CREATE SCHEMA later');
		await db.query('CREATE TABLE later.things (id int)');
		await db.query('DELETE FROM accounts WHERE id > 10');
		await db.query('UPDATE schema_version SET version = 99');
		expect(await schemaVersion(target, SCHEMA_QUERY)).toBe(99);

		const result = await restoreDatabase({ target, backup });
		expect(result.verified.length).toBe(backup.tables.length);
		expect(await rowCounts(db)).toEqual(before);
		expect(await schemaVersion(target, SCHEMA_QUERY)).toBe(3);
		const leftovers = await db.query(
			"SELECT relname FROM pg_class WHERE relname IN ('half_migrated', 'accounts_view', 'things') UNION ALL SELECT nspname FROM pg_namespace WHERE nspname = 'later' UNION ALL SELECT attname FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'locale'",
		);
		expect(leftovers).toEqual([]);
		// The old app runs against the restored database as if nothing happened.
		await docker(['start', appName]);
		await waitHealthy(appName, 90_000);
	});

	it('refuses a backup whose checksum does not match, touching nothing', async () => {
		const copy = join(root, 'tampered.dump');
		const bytes = await readFile(backup.path);
		bytes[bytes.length - 1] ^= 0xff;
		await writeFile(copy, bytes, { mode: 0o600 });
		await db.query("INSERT INTO settings (key, value) VALUES ('after_backup', '1')");
		await expectDatabaseFault(restoreDatabase({ target, backup: { ...backup, path: copy } }), 'verify-failed', /does not match its checksum/, db.password);
		expect((await db.query("SELECT 1 FROM settings WHERE key = 'after_backup'")).length).toBe(1);
		await db.query("DELETE FROM settings WHERE key = 'after_backup'");
	});
});

describe('a restore that fails leaves the database as it was', () => {
	it('an archive that breaks off halfway: nothing is committed', async () => {
		const bytes = await readFile(backup.path);
		const cut = join(root, 'cut.dump');
		// The table of contents is whole (pg_restore --list passes), the data breaks off.
		await writeFile(cut, bytes.subarray(0, bytes.length - 64), { mode: 0o600 });
		await execa(`${w.pgBin}/pg_restore`, ['--list', cut]);
		const sha256 = createHash('sha256').update(await readFile(cut)).digest('hex');
		await db.query('CREATE TABLE marker_after_backup (id int)');
		const before = await rowCounts(db);
		await expectDatabaseFault(restoreDatabase({ target, backup: { ...backup, path: cut, sha256 } }), 'restore-failed', /left as it was/, db.password);
		expect(await rowCounts(db)).toEqual(before);
		await db.query('DROP TABLE marker_after_backup');
	});

	it('a statement that fails (a table the restoring user cannot drop): nothing is committed', async () => {
		await superPsql(w, scratch.name, 'CREATE SCHEMA theirs; CREATE TABLE theirs.not_yours (id int); INSERT INTO theirs.not_yours VALUES (1)');
		await scratch.query("UPDATE schema_version SET version = 42");
		const before = await rowCounts(scratch);
		await expectDatabaseFault(restoreDatabase({ target: tcpTarget(scratch), backup }), 'restore-failed', /left as it was: permission denied for schema theirs/, scratch.password);
		expect(await rowCounts(scratch)).toEqual(before);
		expect(await schemaVersion(tcpTarget(scratch), SCHEMA_QUERY)).toBe(42);
	});
});

describe('faults: one line each, no partial file, no password', () => {
	const stem = 'fault-1.6.0-to-1.7.0-20250101T000000Z';
	async function expectNothingLeft(dir: string) {
		expect((await filesIn(dir)).filter((f) => f.startsWith('fault-'))).toEqual([]);
	}

	it('database unreachable (wrong port)', async () => {
		const port = await freePort();
		await expectDatabaseFault(backupDatabase({ target: tcpTarget(db, { port }), dir: backupDir, fileStem: stem }), 'unreachable', new RegExp(`cannot reach the database server.*:${port}/`), db.password);
		await expectDatabaseFault(serverInfo(tcpTarget(db, { port })), 'unreachable', /cannot reach/, db.password);
		await expectNothingLeft(backupDir);
	});

	it('wrong password', async () => {
		const error = await expectDatabaseFault(backupDatabase({ target: tcpTarget(db, { password: 'wrong-password-123' }), dir: backupDir, fileStem: stem }), 'auth', /refused user .*wrong password or no such role/, db.password);
		expect(error.message).not.toContain('wrong-password-123');
		expect(error).toBeInstanceOf(BackupError);
		await expectDatabaseFault(backupDatabase({ target: tcpTarget(db, { password: undefined }), dir: backupDir, fileStem: stem }), 'auth', /wants a password for user .* none was given \(in the URL, PGPASSWORD or ~\/\.pgpass\)/, db.password);
		await expectNothingLeft(backupDir);
	});

	it('database does not exist', async () => {
		await expectDatabaseFault(backupDatabase({ target: tcpTarget(db, { database: `${db.name}_nope` }), dir: backupDir, fileStem: stem }), 'no-database', new RegExp(`database "${db.name}_nope" does not exist`), db.password);
		await expectNothingLeft(backupDir);
	});

	it('no suitable pg_dump', async () => {
		expect(await findPgDump(99)).toBeUndefined();
		expect(await findPgDump(15)).toMatchObject({ major: expect.any(Number), pgDump: expect.stringMatching(/\/pg_dump$/) });
		await expectDatabaseFault(backupDatabase({ target, dir: backupDir, fileStem: stem, findTools: () => findPgDump(99) }), 'no-pg-dump', /no pg_dump for PostgreSQL 15 or newer/, db.password);
		await expectNothingLeft(backupDir);
	});

	it('backup dir not writable', async () => {
		const file = join(root, 'a-file');
		await writeFile(file, 'not a directory');
		for (const dir of [join(file, 'backups'), '/proc/uw-not-here/backups']) {
			await expectDatabaseFault(backupDatabase({ target, dir, fileStem: stem }), 'not-writable', /^backup dir not writable: /, db.password);
			await expectDatabaseFault(checkBackupSpace(dir, 1000), 'not-writable', /^backup dir not writable: /, db.password);
		}
	});

	it('disk too small', async () => {
		const tooBig = await checkBackupSpace(backupDir, 1e18);
		expect(tooBig).toMatchObject({ ok: false, neededBytes: 1.2e18 });
		expect(tooBig.freeBytes).toBeGreaterThan(0);
		const fits = await checkBackupSpace(backupDir, 1000);
		expect(fits).toEqual({ ok: true, freeBytes: expect.any(Number), neededBytes: 1200 });
	});

	describe('on a database big enough to watch', () => {
		beforeAll(async () => {
			await big.query(
				"CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5(random()::text) AS payload FROM generate_series(1, 700000) AS g",
			);
		}, 120_000);

		it('reports progress at most every 200 ms, with the password in no process arguments', async () => {
			const times: number[] = [];
			const bigTarget = tcpTarget(big);
			let leaked: string[] | undefined;
			const result = await backupDatabase({
				target: bigTarget,
				dir: backupDir,
				fileStem: 'big-full',
				onProgress: (bytes, elapsed) => {
					times.push(elapsed);
					if (!leaked) void processesMentioning(big.password).then((found) => (leaked = found));
				},
			});
			expect(times.length).toBeGreaterThan(1);
			for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(195);
			await new Promise((resolve) => setTimeout(resolve, 200));
			expect(leaked).toEqual([]);
			expect(result.tables).toEqual([{ schema: 'public', name: 'big', rows: 700000 }]);
			await rm(result.path);
			await rm(result.sha256Path);
		});

		it('dump fails halfway (aborted once progress is reported): partial file removed, pg_dump gone', async () => {
			const controller = new AbortController();
			let reported = 0;
			await expectDatabaseFault(
				backupDatabase({
					target: tcpTarget(big),
					dir: backupDir,
					fileStem: stem,
					signal: controller.signal,
					onProgress: (bytes) => {
						reported = bytes;
						controller.abort();
					},
				}),
				'dump-failed',
				/aborted; no partial dump was kept/,
				big.password,
			);
			expect(reported).toBeGreaterThan(0);
			await expectNothingLeft(backupDir);
			// The dump's server session ends with it.
			let sessions = '';
			for (let i = 0; i < 40; i++) {
				sessions = await superPsql(w, 'postgres', `SELECT count(*) FROM pg_stat_activity WHERE datname = '${big.name}' AND application_name LIKE 'upgrade-wizard%'`);
				if (sessions === '0') break;
				await new Promise((resolve) => setTimeout(resolve, 250));
			}
			expect(sessions).toBe('0');
		});
	});
});
