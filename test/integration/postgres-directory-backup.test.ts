import { createHash } from 'node:crypto';
import { appendFile, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, inspect, removeByLabel, uniqueName, waitHealthy } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { expectOriginalBack } from '../support/original-back.js';
import { expectDatabaseFault, superPsql } from '../support/pg-safety.js';
import { newStateHome, runWizard, signalWhen } from '../support/wizard.js';
import type { DatabaseTarget } from '../../source/postgres/database-target.js';
import { backupDatabase, type BackupResult } from '../../source/postgres/backup.js';
import { restoreDatabase } from '../../source/postgres/restore.js';

// Directory-format backups (pg_dump -Fd -j N) on the world's real Postgres:
// verified like the custom format (pg_restore --list against the server's
// tables, a sha256 per file plus one over the manifest, counts in the dump's
// snapshot), refused when a file was touched, restored in parallel into a
// scratch database swapped in only once its counts match, and the whole path
// through the CLI: a failed migration rolled back, and a killed run recovered,
// from a directory backup.

const w = world();
const id = uniqueName('pgdir');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const databases: TestDatabase[] = [];
let root: string;
let db: TestDatabase;
let target: DatabaseTarget;
let backup: BackupResult;

function tcpTarget(d: TestDatabase): DatabaseTarget {
	return { kind: 'host', host: w.pgHost, port: w.pgPort, database: d.name, user: d.user, password: d.password, display: `postgres://${d.user}@${w.pgHost}:${w.pgPort}/${d.name}` };
}

async function counts(d: TestDatabase): Promise<Record<string, number>> {
	const out: Record<string, number> = {};
	const tables = await d.query<{ t: string }>("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' ORDER BY 1");
	for (const { t } of tables) {
		const [schema, name] = t.split('.');
		out[t] = (await d.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."${name}"`))[0]!.n;
	}
	return out;
}

async function freshDb(): Promise<TestDatabase> {
	const d = await createTestDatabase(w, 'dir');
	databases.push(d);
	// The owner may create and rename databases: the parallel restore's swap is open to it.
	await superPsql(w, 'postgres', `ALTER ROLE ${d.user} CREATEDB`);
	return d;
}

async function strayDatabases(): Promise<string> {
	return superPsql(w, 'postgres', "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'uw_restore_%' OR datname LIKE 'uw_replaced_%'");
}

beforeAll(async () => {
	root = await mkdtemp(join(tmpdir(), 'uw-pg-dir-'));
	db = await freshDb();
	target = tcpTarget(db);
	await db.query('CREATE TABLE orders (id bigserial PRIMARY KEY, note text)');
	await db.query("INSERT INTO orders (note) SELECT md5(g::text) FROM generate_series(1, 20000) g");
	await db.query('CREATE TABLE items (id bigserial PRIMARY KEY, order_id bigint REFERENCES orders, qty int)');
	await db.query('INSERT INTO items (order_id, qty) SELECT 1 + g % 20000, g % 7 FROM generate_series(1, 30000) g');
	await db.query('CREATE SCHEMA audit');
	await db.query('CREATE TABLE audit.log (at timestamptz DEFAULT now(), what text)');
	await db.query("INSERT INTO audit.log (what) SELECT 'e' || g FROM generate_series(1, 500) g");
});

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const d of databases) await d.drop();
	if (root) await rm(root, { recursive: true, force: true });
});

describe('a directory-format backup', () => {
	it('is written in parallel, private, with a manifest of every file, verified, counts taken in the dump snapshot', async () => {
		// Writes go on during the dump: the counts must still be the dump's own.
		let writing = true;
		const writer = (async () => {
			for (let i = 0; writing && i < 400; i++) await db.query("INSERT INTO orders (note) VALUES ('during')");
		})();
		try {
			backup = await backupDatabase({ target, dir: join(root, 'backups'), fileStem: 'app-1-to-2', format: 'directory', jobs: 2 });
		} finally {
			writing = false;
			await writer;
		}
		expect(backup).toMatchObject({ format: 'directory', jobs: 2, path: join(root, 'backups', 'app-1-to-2.dir'), sha256Path: join(root, 'backups', 'app-1-to-2.dir.sha256') });
		expect((await stat(backup.path)).isDirectory()).toBe(true);
		expect((await stat(backup.path)).mode & 0o777).toBe(0o700);
		const files = (await readdir(backup.path)).sort();
		expect(files).toContain('toc.dat');
		expect(files.length).toBe(backup.files);
		for (const file of files) expect((await stat(join(backup.path, file))).mode & 0o777).toBe(0o600);
		expect((await stat(backup.sha256Path)).mode & 0o777).toBe(0o600);

		const manifest = await readFile(backup.sha256Path, 'utf8');
		expect(manifest.trim().split('\n')).toHaveLength(files.length);
		expect(createHash('sha256').update(manifest).digest('hex')).toBe(backup.sha256);
		// sha256sum -c in the backup dir checks every file of the dump.
		await execa('sha256sum', ['-c', backup.sha256Path], { cwd: join(root, 'backups') });
		expect(backup.listedTables).toEqual(expect.arrayContaining(['public.orders', 'public.items', 'audit.log']));
		const recorded = Object.fromEntries(backup.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
		expect(recorded['public.items']).toBe(30000);
		expect(recorded['public.orders']).toBeGreaterThanOrEqual(20000);
	});

	it('restores into another database with the counts recorded at backup time, whatever was written after', async () => {
		const other = await freshDb();
		const result = await restoreDatabase({ target: tcpTarget(other), backup });
		expect(result.how).toMatch(/^pg_restore -j 2 into a scratch database, swapped in$/);
		const recorded = Object.fromEntries(backup.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
		expect(await counts(other)).toEqual(recorded);
		expect(await strayDatabases()).toBe('');
	});

	it('a file changed, added or removed after the backup: refused before anything is restored', async () => {
		await db.query("INSERT INTO audit.log (what) VALUES ('marker')");
		const was = await counts(db);
		const cases: Array<[string, (dir: string) => Promise<void>, RegExp]> = [
			['a data file changed', async (dir) => {
				const data = (await readdir(dir)).find((name) => name !== 'toc.dat')!;
				await appendFile(join(dir, data), 'x');
			}, /\.dat(\.gz)? does not match its sha256/],
			['a file added', async (dir) => writeFile(join(dir, '9999.dat.gz'), 'extra'), /9999\.dat\.gz is not in the manifest/],
			['a file removed', async (dir) => rm(join(dir, 'toc.dat')), /toc\.dat is missing/],
		];
		for (const [what, tamper, pattern] of cases) {
			const copyDir = join(root, `tampered-${what.replace(/\W+/g, '-')}`, 'app-1-to-2.dir');
			await cp(backup.path, copyDir, { recursive: true });
			await cp(backup.sha256Path, `${copyDir}.sha256`);
			await tamper(copyDir);
			await expectDatabaseFault(restoreDatabase({ target, backup: { ...backup, path: copyDir } }), 'verify-failed', pattern, db.password);
		}
		// The manifest itself edited to match a changed file: its recorded sha256 catches it.
		const forged = join(root, 'forged', 'app-1-to-2.dir');
		await cp(backup.path, forged, { recursive: true });
		await writeFile(`${forged}.sha256`, (await readFile(backup.sha256Path, 'utf8')).replace(/^[0-9a-f]{64}/, '0'.repeat(64)));
		await expectDatabaseFault(restoreDatabase({ target, backup: { ...backup, path: forged } }), 'verify-failed', /manifest .* does not match its recorded sha256/, db.password);
		expect(await counts(db)).toEqual(was);
		expect(await strayDatabases()).toBe('');
	});

	it('brings a damaged database back to the backed-up state, swapped in whole', async () => {
		await db.query('CREATE TABLE half_migrated (id int)');
		await db.query('DELETE FROM items WHERE id > 100');
		await db.query('ALTER TABLE orders ADD COLUMN extra text');
		const result = await restoreDatabase({ target, backup });
		expect(result.how).toMatch(/swapped in/);
		const recorded = Object.fromEntries(backup.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
		expect(await counts(db)).toEqual(recorded);
		expect(await db.query("SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'extra'")).toEqual([]);
		// The database keeps its name and owner.
		expect(await superPsql(w, 'postgres', `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${db.name}'`)).toBe(db.user);
		expect(await strayDatabases()).toBe('');
	});

	it('with another session connected it restores in one transaction instead, and says why', async () => {
		await db.query('DELETE FROM items WHERE id > 10');
		const pg = await import('pg');
		const holder = new pg.default.Client({ host: w.pgHost, port: w.pgPort, user: db.user, password: db.password, database: db.name });
		await holder.connect();
		try {
			const result = await restoreDatabase({ target, backup });
			expect(result.how).toMatch(/^in one transaction \(not in parallel: 1 other session is connected to it\)$/);
		} finally {
			await holder.end();
		}
		const recorded = Object.fromEntries(backup.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
		expect(await counts(db)).toEqual(recorded);
	});
});

describe('--backup-format directory through the CLI', () => {
	it('a migration that fails is rolled back from the directory backup', async () => {
		const appDb = await freshDb();
		const name = `${id}-bad`;
		const originalId = await startApp(w, { name, tag: '1.6.0', db: appDb, caseLabel });
		const was = await counts(appDb);
		const stateHome = newStateHome();
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.1-badmigration', '--health-timeout', '20', '--backup-format', 'directory'], { stateHome });
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toMatch(/Backup: pg_dump -Fd -j 2 to /);
		expect(run.stdout).toContain('Backup format: directory, 2 parallel jobs (--backup-format directory); a sha256 per file in a manifest; restored with pg_restore -j 2');
		expect(run.stdout).toMatch(/backup done .*directory format, pg_dump -j 2, \d+ files in its manifest/);
		expect(run.stdout).toMatch(/restore done .*row counts equal to the backup's \(pg_restore -j 2 into a scratch database, swapped in\)/);
		expect(run.stdout).toContain('database restored from that backup');
		expect(await counts(appDb)).toEqual(was);
		await expectOriginalBack(name, originalId, `${w.appRepo}:1.6.0`);
		const journal = JSON.parse(readFileSync(join(stateHome, 'upgrade-wizard', 'runs', readdirSync(join(stateHome, 'upgrade-wizard', 'runs')).find((f) => f.endsWith('.json'))!), 'utf8'));
		expect(journal.backups[0]).toMatchObject({ format: 'directory', jobs: 2 });
		expect((await stat(journal.backups[0].path)).isDirectory()).toBe(true);
		expect(JSON.stringify(journal)).not.toContain(appDb.password);
		expect(await strayDatabases()).toBe('');
	});

	it('refuses --backup-format directory where pg_dump runs in a container (exit 2, nothing touched)', async () => {
		const appDb = await freshDb();
		const name = `${id}-refuse`;
		const originalId = await startApp(w, { name, tag: '1.6.0', db: appDb, caseLabel });
		const tcp = `postgresql://${appDb.user}:${appDb.password}@${w.pgHost}:${w.pgPort}/${appDb.name}`;
		const run = await runWizard(['--yes', '--container', name, '--to', '1.6.1', '--db', tcp, '--pg-bin', '/nonexistent', '--pg-image', w.pgImage, '--backup-format', 'directory']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr).toMatch(/--backup-format directory: pg_dump runs inside a container/);
		expect((await inspect(name)).Id).toBe(originalId);
	});

	it('a run killed during a migrating start: recover restores the directory backup recorded in the journal', async () => {
		const appDb = await freshDb();
		const name = `${id}-crash`;
		const originalId = await startApp(w, { name, tag: '1.6.0', db: appDb, caseLabel, args: ['-e', 'MIGRATION_DELAY=1.5'] });
		const was = await counts(appDb);
		const stateHome = newStateHome();
		const killed = await signalWhen(['--yes', '--container', name, '--to', '1.7.0', '--backup-format', 'directory'], 'SIGKILL', (event) => event.type === 'log' && /migration/.test(JSON.stringify(event)), { stateHome, timeoutMs: 120_000 });
		expect(killed.sent).toBe(true);
		// The orphan goes on migrating: wait until the schema has moved on.
		const deadline = Date.now() + 60_000;
		let schema = 3;
		while (Date.now() < deadline && schema <= 3) {
			schema = (await appDb.query<{ v: number }>('SELECT max(version)::int AS v FROM schema_version'))[0]!.v;
			if (schema <= 3) await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(schema).toBeGreaterThan(3);
		const done = await runWizard(['recover', '--yes'], { stateHome, timeoutMs: 180_000 });
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		expect(done.stdout).toMatch(/restore done .*\(pg_restore -j 2 into a scratch database, swapped in\)/);
		await expectOriginalBack(name, originalId, `${w.appRepo}:1.6.0`);
		await waitHealthy(name, 30_000);
		expect(await counts(appDb)).toEqual(was);
		expect(await strayDatabases()).toBe('');
	});
});
