import { execa } from 'execa';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { inspect, removeByLabel, uniqueName } from '../support/docker.js';
import { superPsql } from '../support/pg-safety.js';
import { startApp } from '../support/app.js';
import { newStateHome, runWizard, signalWhen, type WizardRun } from '../support/wizard.js';
import { readdirSync, readFileSync } from 'node:fs';
import { tempDir } from '../support/temp-dir.js';

// The database forms of a profile through the real binary, on the acme
// fixture (which itself needs DATABASE_URL): user profiles that match it but
// find its database another way: env parts (APPDB_*, set next to
// DATABASE_URL and naming the same database), a config file on a bind mount,
// and a SQL Server connection string, which is refused before anything is
// touched.

const w = world();
const id = uniqueName('dbforms');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const home = tempDir('uw-dbforms-');
// Where the wizard looks for user profiles: empty, so only --profile counts.
const xdg = { XDG_CONFIG_HOME: join(home, 'xdg') };
// A password with every character a URL must encode.
const PASSWORD = 'p@ss:w/rd%25-s3cret';
let db: TestDatabase;
const databases: TestDatabase[] = [];

/** A test database whose role's password has every character a URL must encode. */
async function specialDb(): Promise<TestDatabase> {
	const created = await createTestDatabase(w);
	databases.push(created);
	await superPsql(w, 'postgres', `ALTER ROLE ${created.user} PASSWORD '${PASSWORD}'`);
	return { ...created, password: PASSWORD, containerUrl: `postgresql://${created.user}:${encodeURIComponent(PASSWORD)}@/${created.name}?host=/run/postgresql` };
}

function profile(pid: string, database: string[]): string {
	const file = join(home, `${pid}.yaml`);
	writeFileSync(
		file,
		[
			`id: ${pid}`,
			`name: Acme by ${pid}`,
			'match: { repository: "*/acme/app" }',
			'version: { label: org.opencontainers.image.version, tags: X.Y.Z }',
			'database:',
			...database.map((line) => `  ${line}`),
			'schemaVersion: { query: "SELECT max(version) FROM schema_version", label: com.acme.app.schema-version }',
			'labels: { minUpgradeFrom: com.acme.app.min-upgrade-from, releaseNotes: com.acme.app.release-notes }',
			'migrationLog: migrat',
			'',
		].join('\n'),
	);
	return file;
}

function expectNoPassword(run: WizardRun): void {
	for (const form of [PASSWORD, encodeURIComponent(PASSWORD)]) {
		expect(run.stdout).not.toContain(form);
		expect(run.stderr).not.toContain(form);
	}
}

const envProfile = () => profile('acme-env', ['env: { host: APPDB_HOST, port: APPDB_PORT, name: APPDB_NAME, user: APPDB_USER, password: APPDB_PASSWORD, defaults: { port: 5432 } }']);
const appEnv = (of = db) => ['-e', 'APPDB_HOST=/run/postgresql', '-e', `APPDB_NAME=${of.name}`, '-e', `APPDB_USER=${of.user}`, '-e', `APPDB_PASSWORD=${PASSWORD}`];

beforeAll(async () => {
	db = await specialDb();
});

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const each of databases) await each.drop();
	rmSync(home, { recursive: true, force: true });
});

describe('database forms end to end', () => {
	it('env parts and a config file on a bind mount: --dry-run names the database and where it was found', async () => {
		const conf = join(home, 'conf');
		rmSync(conf, { recursive: true, force: true });
		await execa('mkdir', ['-p', conf]);
		writeFileSync(join(conf, 'config.yaml'), `SETUP_COMPLETE: true\nDB_URI: ${db.containerUrl}\n`);
		const name = `${id}-dry`;
		await startApp(w, { name, tag: '1.6.0', db, caseLabel, args: [...appEnv(), '-v', `${conf}:/conf/stack:ro`] });

		const byEnv = await runWizard(['--yes', '--dry-run', '--container', name, '--to', '1.7.0', '--profile', envProfile()], { env: xdg });
		expect(byEnv.exitCode, byEnv.stdout + byEnv.stderr).toBe(0);
		expect(byEnv.stdout).toContain(`Profile: Acme by acme-env (acme-env, ${join(home, 'acme-env.yaml')})`);
		expect(byEnv.stdout).toContain(`Database: postgres://${db.user}@/${db.name}?host=${w.pgSocketDir}`);
		expect(byEnv.stdout).toContain('Database found in: APPDB_HOST, APPDB_NAME, APPDB_USER, APPDB_PASSWORD');
		expect(byEnv.stdout).toContain('schema 3');
		expectNoPassword(byEnv);

		const byFile = await runWizard(['--yes', '--dry-run', '--container', name, '--to', '1.7.0', '--profile', profile('acme-file', ['configFile: { path: /conf/stack/config.yaml, format: yaml, key: DB_URI }'])], { env: xdg });
		expect(byFile.exitCode, byFile.stdout + byFile.stderr).toBe(0);
		expect(byFile.stdout).toContain(`Database: postgres://${db.user}@/${db.name}?host=${w.pgSocketDir}`);
		expect(byFile.stdout).toContain(`Database found in: DB_URI in /conf/stack/config.yaml (bind mount ${join(conf, 'config.yaml')})`);
		expectNoPassword(byFile);
	});

	it('a SQL Server connection string: exit 2 in one line naming --skip-backup, nothing touched', async () => {
		const name = `${id}-mssql`;
		const before = await startApp(w, { name, tag: '1.6.0', db, caseLabel, args: ['-e', 'PROGET_SQL_CONNECTION_STRING=Data Source=mssql;Initial Catalog=ProGet;User ID=sa;Password=Mssql-s3cret'] });
		const file = profile('acme-mssql', ['connectionStrings:', '  - { env: PROGET_POSTGRES_CONNECTION_STRING, dialect: npgsql }', '  - { env: "*_SQL_CONNECTION_STRING", dialect: sqlserver }']);
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0', '--profile', file], { env: xdg });
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.split('\n').filter(Boolean)).toEqual([
			`upgrade-wizard: ${name}: its database is SQL Server (PROGET_SQL_CONNECTION_STRING); the wizard backs up only PostgreSQL: pass --skip-backup to upgrade without a backup`,
		]);
		expect(run.stdout + run.stderr).not.toContain('Mssql-s3cret');
		const after = await inspect(name);
		expect(after.Id).toBe(before);
		expect(after.State.Running).toBe(true);
		expect(after.Config.Image).toBe(`${w.appRepo}:1.6.0`);
	});

	it('a real upgrade 1.6.0 -> 1.7.0 with the env form backs up that database', async () => {
		const name = `${id}-up`;
		await startApp(w, { name, tag: '1.6.0', db, caseLabel, args: appEnv() });
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0', '--profile', envProfile()], { env: xdg });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expectNoPassword(run);
		const dump = /backup: (\S+\.dump) \(sha256 [0-9a-f]{64}\)/.exec(run.stdout)?.[1];
		expect(dump, run.stdout).toBeDefined();
		expect(existsSync(dump!)).toBe(true);
		const listing = await execa(`${w.pgBin}/pg_restore`, ['--list', dump!]);
		expect(listing.stdout).toMatch(new RegExp(`^;\\s+dbname: ${db.name}$`, 'm'));
		// db.query holds the role's first password: ask as the superuser.
		expect(await superPsql(w, db.name, 'SELECT max(version) FROM schema_version')).toBe('5');
		const after = await inspect(name);
		expect(after.Config.Image).toBe(`${w.appRepo}:1.7.0`);
		expect(after.Config.Env).toContain(`APPDB_NAME=${db.name}`);
	});

	it('killed mid-migration, recover finds the env-parts database from the journal alone and restores it', async () => {
		const mine = await specialDb();
		const name = `${id}-rec`;
		await startApp(w, { name, tag: '1.6.0', db: mine, caseLabel, args: [...appEnv(mine), '-e', 'MIGRATION_DELAY=1.5'] });
		const stateHome = newStateHome();
		const killed = await signalWhen(['--yes', '--container', name, '--to', '1.7.0', '--profile', envProfile()], 'SIGKILL', (event) => event.type === 'log' && /migration/.test(JSON.stringify(event)), { stateHome, env: xdg, timeoutMs: 120_000 });
		expect(killed.sent, JSON.stringify(killed.events.slice(-5))).toBe(true);
		const dir = join(stateHome, 'upgrade-wizard', 'runs');
		const journal = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((entry) => entry.endsWith('.json'))!), 'utf8'));
		expect(journal.plan.database).toMatchObject({ envKeys: [], database: { env: { host: 'APPDB_HOST', name: 'APPDB_NAME', user: 'APPDB_USER', password: 'APPDB_PASSWORD' } } });
		expect(JSON.stringify(journal)).not.toContain(PASSWORD);
		// The orphaned app keeps migrating; recover (no --profile: the journal says where the database is) restores schema 3.
		const done = await runWizard(['recover', '--yes'], { stateHome, env: xdg, timeoutMs: 180_000 });
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		expect(done.stdout).toContain('database restored');
		expectNoPassword(done);
		expect(await superPsql(w, mine.name, 'SELECT max(version) FROM schema_version')).toBe('3');
	});
});
