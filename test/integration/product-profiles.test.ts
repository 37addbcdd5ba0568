import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { exists, inspect, removeByLabel, uniqueName, waitHealthy } from '../support/docker.js';
import { productRepo, startDetached, waitForStatus } from '../support/products.js';
import { runWizard } from '../support/wizard.js';
import { tempDir } from '../support/temp-dir.js';

// The seed products' built-in profiles and a user-written one, end to end on
// the product-like fixtures: `--yes` with no --db and no --health-url finds
// the right database (a config file, env parts, a connection string), gates on
// the product's own health, rolls back on a failing health body, runs the
// vendor's one-off with --migrate-first (the database says who migrated), and
// refuses SQL Server.

const w = world();
const caseLabel = `io.upgrade-wizard.case=${uniqueName('seed')}`;
const databases: TestDatabase[] = [];
const dirs: string[] = [];
const SOCKET = '/run/postgresql';

afterAll(async () => {
	await removeByLabel(caseLabel);
	await Promise.all(databases.map((db) => db.drop()));
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function fresh(prefix: string, password?: string): Promise<TestDatabase> {
	const db = await createTestDatabase(w, prefix, password ? { password } : undefined);
	databases.push(db);
	return db;
}

const schemaOf = async (db: TestDatabase) => (await db.query<{ v: number }>('SELECT version AS v FROM schema_version'))[0]!.v;
const migratedBy = async (db: TestDatabase) => (await db.query<{ by: string; to_schema: number }>('SELECT "by", to_schema FROM migrated_by ORDER BY at')).map((row) => `${row.by}->${row.to_schema}`);
const lastEvent = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

/** The original container, by ID, on its image, running (the products without a HEALTHCHECK are judged by their health URL). */
async function expectBack(name: string, id: string, image: string, health?: { port: number; path: string }) {
	const after = await inspect(name);
	expect(after.Id).toBe(id);
	expect(after.Config.Image).toBe(image);
	expect(after.State.Running).toBe(true);
	// A restarted container publishes its port anew: ask where it is now.
	const hostPort = health ? after.NetworkSettings.Ports[`${health.port}/tcp`]?.[0]?.HostPort : undefined;
	if (health) await waitForStatus(`http://127.0.0.1:${hostPort}${health.path}`, 200, name);
	else await waitHealthy(name, 30_000);
	expect(await exists(`${name}-old`)).toBe(false);
	expect(await exists(`${name}-migrate`)).toBe(false);
}

describe('Quay: the database from DB_URI in the mounted config.yaml, health by the JSON of /health/endtoend', () => {
	const repo = productRepo('quay');
	const password = `q@u:a/y%-${uniqueName('pw')}`;
	async function quayOn(db: TestDatabase) {
		const conf = tempDir('uw-seed-quay-');
		dirs.push(conf);
		writeFileSync(join(conf, 'config.yaml'), `SERVER_HOSTNAME: quay.example\nDB_URI: "postgresql://${db.user}:${encodeURIComponent(password)}@/${db.name}?host=${SOCKET}"\n`);
		const app = await startDetached({ image: `${repo}:v3.8.0`, port: 8080, caseLabel, args: ['-v', db.socketMount, '-v', `${conf}:/conf/stack`] });
		await waitForStatus(`${app.url}/health/endtoend`, 200, app.name);
		return { ...app, id: (await inspect(app.name)).Id, conf };
	}

	it('the plan names the profile, where the database was found and the gate; --yes upgrades v3.8.0 -> v3.9.0', async () => {
		const db = await fresh('quay', password);
		const app = await quayOn(db);
		const plan = await runWizard(['--dry-run', '--container', app.name, '--to', 'v3.9.0']);
		expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
		expect(plan.stdout).toContain('Profile: Quay (quay, built-in)');
		expect(plan.stdout).toContain(`DB_URI in /conf/stack/config.yaml (bind mount ${join(app.conf, 'config.yaml')})`);
		expect(plan.stdout).toContain('Alembic revision quay003');
		expect(plan.stdout).toContain('HTTP 200 from :8080/health/endtoend with data.services.* all true, data.is_testing false when present');
		expect(plan.stdout + plan.stderr).not.toContain(password);
		expect(plan.stdout + plan.stderr).not.toContain(encodeURIComponent(password));

		const run = await runWizard(['--yes', '--json', '--container', app.name, '--to', 'v3.9.0']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toMatch(/"step":"health","detail":"HTTP http:\/\/127\.0\.0\.1:\d+\/health\/endtoend \+ body rules/);
		expect(run.stdout).not.toContain(encodeURIComponent(password));
		expect(lastEvent(run.stdout).summary.containers[0]).toMatchObject({ result: 'upgraded', now: `${repo}:v3.9.0` });
		expect(await schemaOf(db)).toBe(5);
		expect(await db.query('SELECT version_num FROM alembic_version')).toEqual([{ version_num: 'quay005' }]);
	});

	it('a 200 whose body says storage is down is not healthy: rolled back, the database restored', async () => {
		const db = await fresh('quaybad', password);
		const app = await quayOn(db);
		const run = await runWizard(['--yes', '--container', app.name, '--to', 'v3.9.1-badhealth', '--health-timeout', '8', '--migration-timeout', '8']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain('but data.services.storage is false, not true');
		expect(await schemaOf(db)).toBe(3);
		await expectBack(app.name, app.id, `${repo}:v3.8.0`, { port: 8080, path: '/health/endtoend' });
	});
});

describe('Anchore Engine: the database from ANCHORE_DB_*, its Engine DB Version, anchore-manager as the one-off', () => {
	const repo = productRepo('anchore');
	async function anchoreOn(db: TestDatabase) {
		const app = await startDetached({
			image: `${repo}:v1.0.0`, port: 8228, caseLabel,
			args: ['-v', db.socketMount, '-e', `ANCHORE_DB_HOST=${SOCKET}`, '-e', `ANCHORE_DB_PASSWORD=${db.password}`, '-e', `ANCHORE_DB_NAME=${db.name}`, '-e', `ANCHORE_DB_USER=${db.user}`],
		});
		await waitHealthy(app.name, 60_000);
		return { ...app, id: (await inspect(app.name)).Id };
	}

	it('--migrate-first: the one-off migrates, the service finds nothing to do; the version check passes', async () => {
		const db = await fresh('anchore');
		const app = await anchoreOn(db);
		const plan = await runWizard(['--dry-run', '--container', app.name, '--to', 'v1.1.0', '--migrate-first']);
		expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
		expect(plan.stdout).toContain('Profile: Anchore Engine (anchore-engine, built-in)');
		expect(plan.stdout).toContain('Engine DB Version 0.0.3');
		expect(plan.stdout).toContain('anchore-manager db upgrade --dontask; must exit 0');
		const run = await runWizard(['--yes', '--container', app.name, '--to', 'v1.1.0', '--migrate-first']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(await migratedBy(db)).toEqual(['service->3', 'anchore-manager->5']);
		expect(run.stdout).toContain('checklist: version done (service.version is v1.1.0 at /version)');
		expect(await db.query('SELECT db_version FROM anchore')).toEqual([{ db_version: '0.0.5' }]);
	});

	it('without it the new service migrates at start, as the guide says it does', async () => {
		const db = await fresh('anchore');
		const app = await anchoreOn(db);
		const run = await runWizard(['--yes', '--container', app.name, '--to', 'v1.1.0']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(await migratedBy(db)).toEqual(['service->3', 'service->5']);
	});
});

describe('Inedo ProGet: an Npgsql connection string, upgradedb, and SQL Server refused', () => {
	const repo = productRepo('proget');
	async function progetOn(env: string) {
		const app = await startDetached({ image: `${repo}:24.0.5`, port: 80, caseLabel, args: ['-e', env, ...(env.includes('Host=') ? ['-v', databases.at(-1)!.socketMount] : [])] });
		await waitForStatus(`${app.url}/health`, 200, app.name);
		return { ...app, id: (await inspect(app.name)).Id };
	}
	const npgsql = (db: TestDatabase) => `PROGET_POSTGRES_CONNECTION_STRING=Host=${SOCKET};Database=${db.name};Username=${db.user};Password=${db.password}`;

	it('--migrate-first runs upgradedb in a one-off of the new image; /health gates; releaseNumber is the target', async () => {
		const db = await fresh('proget');
		const app = await progetOn(npgsql(db));
		const run = await runWizard(['--yes', '--container', app.name, '--to', '24.0.6', '--migrate-first']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain('Profile: Inedo ProGet (inedo-proget, built-in)');
		expect(run.stdout).toContain('one-off | ');
		expect(await migratedBy(db)).toEqual(['service->3', 'upgradedb->5']);
		expect(run.stdout).toContain('checklist: version done (releaseNumber is 24.0.6 at /health)');
		expect(run.stdout).not.toContain(db.password);
	});

	it('a failing upgradedb: exit 1, the database restored, the original back', async () => {
		const db = await fresh('proget');
		const app = await progetOn(npgsql(db));
		const run = await runWizard(['--yes', '--container', app.name, '--to', '24.0.7-badmigration', '--migrate-first']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain('exited with code 5');
		expect(run.stdout).toContain('database restored');
		expect(await schemaOf(db)).toBe(3);
		await expectBack(app.name, app.id, `${repo}:24.0.5`, { port: 80, path: '/health' });
	});

	it('SQL Server: exit 2, one line saying why and what to do, nothing touched', async () => {
		const app = await progetOn('SQL_CONNECTION_STRING=Data Source=mssql;Initial Catalog=ProGet;User ID=sa;Password=Sql-Secret-1');
		const run = await runWizard(['--yes', '--container', app.name, '--to', '24.0.6']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim()).toBe(`upgrade-wizard: ${app.name}: its database is SQL Server (SQL_CONNECTION_STRING); the wizard backs up only PostgreSQL: pass --skip-backup to upgrade without a backup`);
		expect(run.stdout + run.stderr).not.toContain('Sql-Secret-1');
		const after = await inspect(app.name);
		expect([after.Id, after.Config.Image, after.State.Running]).toEqual([app.id, `${repo}:24.0.5`, true]);
	});
});

describe("a user-written profile for the tests' own app (a libpq conninfo, /healthz)", () => {
	it('is loaded from the user directory and does everything a built-in does', async () => {
		const repo = productRepo('widget');
		const config = tempDir('uw-seed-xdg-');
		dirs.push(config);
		const dir = join(config, 'upgrade-wizard', 'profiles');
		mkdirSync(dir, { recursive: true });
		writeFileSync(
			join(dir, 'widget.yaml'),
			`# The tests' widget app.
id: widget
name: Widget
match: [{ repository: ["**/tests/widget"] }]
version: { label: org.opencontainers.image.version }
database:
  connectionStrings: [{ env: WIDGET_DSN, dialect: libpq }]
schemaVersion: { query: "SELECT version FROM schema_version", label: io.upgrade-wizard.schema-version }
labels: { minUpgradeFrom: io.upgrade-wizard.min-upgrade-from, releaseNotes: io.upgrade-wizard.release-notes }
migrationLog: migrat
health:
  port: 9000
  path: /healthz
  body: [{ path: ok, equals: true }]
checks:
  version: { port: 9000, path: /healthz, json: version }
`,
		);
		const db = await fresh('widget');
		const app = await startDetached({
			image: `${repo}:1.0.0`, port: 9000, caseLabel,
			args: ['-v', db.socketMount, '-e', `WIDGET_DSN=host=${SOCKET} dbname=${db.name} user=${db.user} password='${db.password}'`],
		});
		await waitForStatus(`${app.url}/healthz`, 200, app.name);
		const run = await runWizard(['--yes', '--container', app.name, '--to', '1.1.0'], { env: { XDG_CONFIG_HOME: config } });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain(`Profile: Widget (widget, ${join(dir, 'widget.yaml')})`);
		expect(run.stdout).toMatch(/HTTP http:\/\/127\.0\.0\.1:\d+\/healthz \+ body rules/);
		expect(run.stdout).toContain('checklist: version done (version is 1.1.0 at /healthz)');
		expect(await schemaOf(db)).toBe(5);
		expect(run.stdout).not.toContain(db.password);
	});
});
