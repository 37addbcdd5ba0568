import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, exists, inspect, removeByLabel, TEST_LABEL, uniqueName, waitHealthy } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { runWizard, type WizardRun } from '../support/wizard.js';

// Database safety end to end: a verified backup before anything stops, the
// migration gate, and the database restored when a migrating target fails.

const w = world();
const id = uniqueName('db');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const databases: TestDatabase[] = [];

async function freshDb(): Promise<TestDatabase> {
	const db = await createTestDatabase(w);
	databases.push(db);
	return db;
}

async function snapshot(db: TestDatabase) {
	const tables = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
	const counts: Record<string, number> = {};
	for (const { table_name } of tables) {
		const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name}"`);
		counts[table_name] = row!.n;
	}
	const [schema] = await db.query<{ version: number }>('SELECT max(version)::int AS version FROM schema_version');
	return { counts, schema: schema!.version };
}

function backupPath(run: WizardRun): string {
	const match = /backup: (\S+\.dump) \(sha256 ([0-9a-f]{64})\)/.exec(run.stdout);
	expect(match, run.stdout).not.toBeNull();
	return match![1]!;
}

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const db of databases) await db.drop();
});

describe('database safety', () => {
	let migrated: WizardRun;
	let db: TestDatabase;
	let before: Awaited<ReturnType<typeof snapshot>>;
	const name = `${id}-mig`;

	beforeAll(async () => {
		db = await freshDb();
		await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		before = await snapshot(db);
		migrated = await runWizard(['--yes', '--container', name, '--to', '1.7.0']);
	});

	it('upgrades 1.6.0 -> 1.7.0 after a verified backup and the migration gate', async () => {
		expect(migrated.exitCode, migrated.stdout + migrated.stderr).toBe(0);
		expect(migrated.stdout).toMatch(/Schema migration in 1\.7\.0 yes \(answered by --yes\)/);
		const lines = migrated.stdout.split('\n');
		const backupDone = lines.findIndex((line) => line.includes(`[${name}] backup done`));
		const stop = lines.findIndex((line) => line.includes(`[${name}] stop:`));
		expect(backupDone).toBeGreaterThan(-1);
		expect(backupDone).toBeLessThan(stop);
		expect((await snapshot(db)).schema).toBe(5);
		expect((await inspect(name)).Config.Image).toBe(`${w.appRepo}:1.7.0`);
	});

	it('leaves a private, checksummed, restorable dump with the inspect document beside it', async () => {
		const path = backupPath(migrated);
		expect(statSync(path).mode & 0o777).toBe(0o600);
		expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
		const sum = readFileSync(`${path}.sha256`, 'utf8').split(/\s+/)[0];
		expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(sum);
		const inspectDoc = JSON.parse(readFileSync(path.replace(/\.dump$/, '.inspect.json'), 'utf8'));
		expect(inspectDoc.Name).toBe(`/${name}`);
		expect(JSON.stringify(inspectDoc)).not.toContain(db.password);
		// Restore into a scratch database: same tables, same row counts as before the upgrade.
		const scratch = await freshDb();
		await execa(join(w.pgBin, 'pg_restore'), ['--no-owner', '-h', w.pgHost, '-p', String(w.pgPort), '-U', scratch.user, '-d', scratch.name, path], {
			env: { PGPASSWORD: scratch.password },
		});
		expect(await snapshot(scratch)).toEqual(before);
	});

	it('takes a backup but raises no migration gate for 1.6.0 -> 1.6.1', async () => {
		const plainDb = await freshDb();
		const plain = `${id}-patch`;
		await startApp(w, { name: plain, tag: '1.6.0', db: plainDb, caseLabel });
		const run = await runWizard(['--yes', '--container', plain, '--to', '1.6.1']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).not.toContain('Schema migration in');
		expect(run.stdout).toContain('Schema migration: none expected');
		expect(statSync(backupPath(run)).size).toBeGreaterThan(0);
	});

	it('restores the database exactly when a migration fails halfway', async () => {
		const badDb = await freshDb();
		const bad = `${id}-bad`;
		const originalId = await startApp(w, { name: bad, tag: '1.6.0', db: badDb, caseLabel });
		const was = await snapshot(badDb);
		const run = await runWizard(['--yes', '--container', bad, '--to', '1.7.1-badmigration', '--health-timeout', '20']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toMatch(/restore done .*row counts equal/);
		expect(run.stdout).toContain('database restored from that backup');
		expect(await snapshot(badDb)).toEqual(was);
		const after = await inspect(bad);
		expect(after.Id).toBe(originalId);
		await waitHealthy(bad, 30_000);
		expect(await exists(`${bad}-old`)).toBe(false);
	});

	it('refuses a migrating target with --no-migrations, touching nothing', async () => {
		const target = `${id}-nomig`;
		const nomigDb = await freshDb();
		const originalId = await startApp(w, { name: target, tag: '1.6.0', db: nomigDb, caseLabel });
		const run = await runWizard(['--yes', '--container', target, '--to', '1.7.0', '--no-migrations']);
		expect(run.exitCode).toBe(2);
		expect(run.stderr.trim().split('\n')).toHaveLength(1);
		expect(run.stderr).toMatch(/1\.7\.0 migrates the database schema \(3 -> 5\) and --no-migrations was given/);
		expect((await inspect(target)).Id).toBe(originalId);
		expect((await snapshot(nomigDb)).schema).toBe(3);
	});

	it.each([
		['the database is unreachable', (db: TestDatabase) => `postgresql://${db.user}@127.0.0.1:1/${db.name}`, /unreachable|connect|refused/i],
		['the password is wrong', (db: TestDatabase) => `postgresql://${db.user}:not-the-password@${w.pgHost}:${w.pgPort}/${db.name}`, /password|authentication/i],
		['the database does not exist', (db: TestDatabase) => `postgresql://${db.user}:${db.password}@${w.pgHost}:${w.pgPort}/${db.name}_missing`, /does not exist/i],
	])('exits 2 touching nothing when %s', async (_what, url, pattern) => {
		const faultDb = await freshDb();
		const target = `${id}-fault-${randomSuffix()}`;
		const originalId = await startApp(w, { name: target, tag: '1.6.0', db: faultDb, caseLabel });
		const run = await runWizard(['--yes', '--container', target, '--to', '1.6.1', '--db', url(faultDb)]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		const lines = run.stderr.trim().split('\n');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatch(pattern);
		expect(run.stderr).not.toContain(faultDb.password);
		expect((await inspect(target)).Id).toBe(originalId);
	});

	it('runs pg_dump and pg_restore in a one-off Postgres container when the host has none new enough', async () => {
		const toolsDb = await freshDb();
		const target = `${id}-tools`;
		const originalId = await startApp(w, { name: target, tag: '1.6.0', db: toolsDb, caseLabel });
		const was = await snapshot(toolsDb);
		const tcp = `postgresql://${toolsDb.user}:${toolsDb.password}@${w.pgHost}:${w.pgPort}/${toolsDb.name}`;
		const run = await runWizard([
			'--yes', '--container', target, '--to', '1.7.1-badmigration', '--migration-timeout', '20',
			'--db', tcp, '--pg-bin', '/nonexistent', '--pg-image', w.pgImage,
		]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain(`pg_dump in a one-off ${w.pgImage} container (host network)`);
		expect(run.stdout).toMatch(/backup done/);
		expect(run.stdout).toMatch(/restore done .*row counts equal/);
		expect(run.stdout + run.stderr).not.toContain(toolsDb.password);
		expect(await snapshot(toolsDb)).toEqual(was);
		expect((await inspect(target)).Id).toBe(originalId);
		// Tool containers are removed after each run.
		const tools = await docker(['ps', '-aq', '--filter', 'label=io.upgrade-wizard.pg-tool=1']);
		expect(tools.stdout.trim()).toBe('');
	});

	it('exits 2 when no pg_dump is new enough and the database is only reachable over a socket', async () => {
		const sockDb = await freshDb();
		const target = `${id}-nopgdump`;
		const originalId = await startApp(w, { name: target, tag: '1.6.0', db: sockDb, caseLabel });
		const run = await runWizard(['--yes', '--container', target, '--to', '1.6.1', '--pg-bin', '/nonexistent']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim().split('\n')).toHaveLength(1);
		expect(run.stderr).toMatch(/no pg_dump for PostgreSQL 15 or newer on this host \(looked in \/nonexistent\), and the database is reached over a unix socket/);
		expect((await inspect(target)).Id).toBe(originalId);
	});

	it('exits 2 when the backup dir cannot be created', async () => {
		const target = `${id}-nodir`;
		const dirDb = await freshDb();
		const originalId = await startApp(w, { name: target, tag: '1.6.0', db: dirDb, caseLabel });
		const run = await runWizard(['--yes', '--container', target, '--to', '1.6.1', '--backup-dir', '/proc/upgrade-wizard-backups']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr).toMatch(/not writable|cannot create/i);
		expect((await inspect(target)).Id).toBe(originalId);
	});
});

describe('database in a container', () => {
	it('backs up and restores through the database container, never publishing its port', async () => {
		const net = `${id}-net`;
		const dbName = `${id}-pg`;
		const app = `${id}-capp`;
		await docker(['network', 'create', '--label', TEST_LABEL, '--label', caseLabel, net]);
		await docker([
			'run', '-d', '--name', dbName, '--label', TEST_LABEL, '--label', caseLabel, '--network', net, '--network-alias', 'db',
			'-e', 'POSTGRES_USER=acme', '-e', 'POSTGRES_PASSWORD=container-db-secret', '-e', 'POSTGRES_DB=acme', w.pgImage,
		]);
		await waitHealthy(dbName, 60_000);
		const originalId = (await docker([
			'run', '-d', '--name', app, '--label', TEST_LABEL, '--label', caseLabel, '--network', net,
			'-e', 'DATABASE_URL=postgresql://acme:container-db-secret@db:5432/acme', `${w.appRepo}:1.6.0`,
		])).stdout.trim();
		await waitHealthy(app, 60_000);
		expect((await inspect(dbName)).HostConfig.PortBindings ?? {}).toEqual({});
		const psql = (sql: string) => docker(['exec', '-e', 'PGPASSWORD=container-db-secret', dbName, 'psql', '-U', 'acme', '-d', 'acme', '-tAc', sql]);
		const counts = async () => (await psql("SELECT string_agg(c, ',') FROM (SELECT format('%s=%s', 'schema', max(version)) c FROM schema_version UNION ALL SELECT format('accounts=%s', count(*)) FROM accounts) s")).stdout.trim();
		const was = await counts();

		const run = await runWizard(['--yes', '--container', app, '--to', '1.7.1-badmigration', '--health-timeout', '20']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toMatch(/backup done/);
		expect(run.stdout).toMatch(/restore done/);
		expect(run.stdout).not.toContain('container-db-secret');
		expect(await counts()).toBe(was);
		expect((await inspect(app)).Id).toBe(originalId);

		const ok = await runWizard(['--yes', '--container', app, '--to', '1.7.0']);
		expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
		expect(await counts()).toMatch(/schema=5/);
		expect(ok.stdout).not.toContain('container-db-secret');
	});
});

function randomSuffix(): string {
	return Math.random().toString(16).slice(2, 8);
}
