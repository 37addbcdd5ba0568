import { afterAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { removeByLabel, uniqueName, waitHealthy } from '../support/docker.js';
import { imageConfig, logsOf, productRepo, runOnce, startDetached, waitForStatus } from '../support/products.js';
import { tempDir } from '../support/temp-dir.js';

// The product-like fixture images follow three vendors' conventions (where the
// database is configured, how health is reported, which one-off migrates), and the
// database tells who migrated: the profiles' tests stand on these facts.

const w = world();
const caseLabel = `io.upgrade-wizard.case=${uniqueName('products')}`;
const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
	await removeByLabel(caseLabel);
	await Promise.all(databases.map((db) => db.drop()));
	for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function freshDatabase(prefix: string, password?: string): Promise<TestDatabase> {
	const db = await createTestDatabase(w, prefix, { password });
	databases.push(db);
	return db;
}

async function schemaOf(db: TestDatabase): Promise<number> {
	const [row] = await db.query<{ version: number }>('SELECT version FROM schema_version');
	return row!.version;
}

async function migratedBy(db: TestDatabase) {
	return db.query<{ by: string; from_schema: number; to_schema: number }>('SELECT "by", from_schema, to_schema FROM migrated_by ORDER BY at');
}

/** The fixture's own labels, never the acme ones the profiles match on. */
async function expectProductLabels(image: string, fixture: string, tag: string) {
	const config = await imageConfig(image);
	expect(config.Labels).toMatchObject({
		'org.opencontainers.image.version': tag,
		'io.upgrade-wizard.fixture': fixture,
		'io.upgrade-wizard.test': '1',
	});
	expect(Object.keys(config.Labels).filter((key) => key.startsWith('com.acme.'))).toEqual([]);
	return config;
}

const SOCKET = '/run/postgresql';

describe('Quay-like fixture (projectquay/quay)', () => {
	const repo = productRepo('quay');
	// Every character that needs percent-encoding in a URI's userinfo.
	const password = `q@u:a/y%-${uniqueName('pw')}`;
	let db: TestDatabase;
	let confDir: string;

	function writeConfig(dbUriLine: string) {
		writeFileSync(join(confDir, 'config.yaml'), `SERVER_HOSTNAME: quay.example\n${dbUriLine}\nFEATURE_MAILING: false\n`);
	}
	const uri = () => `postgresql://${db.user}:${encodeURIComponent(password)}@/${db.name}?host=${SOCKET}`;
	const quayArgs = () => ['-v', db.socketMount, '-v', `${confDir}:/conf/stack`];

	it('v3.8.0 reads DB_URI from /conf/stack/config.yaml, migrates at start and answers Quay health JSON', async () => {
		db = await freshDatabase('quay', password);
		confDir = tempDir('uw-quay-conf-');
		tempDirs.push(confDir);
		writeConfig(`DB_URI: "${uri()}"`);
		const image = `${repo}:v3.8.0`;
		const config = await expectProductLabels(image, 'quay', 'v3.8.0');
		expect(config.Healthcheck ?? null).toBeNull();

		const app = await startDetached({ image, port: 8080, caseLabel, args: quayArgs() });
		const health = await waitForStatus(`${app.url}/health/endtoend`, 200, app.name);
		expect(JSON.parse(health.body)).toEqual({ data: { services: { auth: true, database: true, redis: true, storage: true } }, status_code: 200 });
		expect(await schemaOf(db)).toBe(3);
		expect(await migratedBy(db)).toEqual([{ by: 'service', from_schema: 0, to_schema: 3 }]);
		expect(await db.query('SELECT version_num FROM alembic_version')).toEqual([{ version_num: 'quay003' }]);
		const logs = await logsOf(app.name);
		expect(logs).toContain('ready: projectquay/quay v3.8.0 listening on :8080');
		expect(logs).not.toContain(password);
		expect(logs).not.toContain(encodeURIComponent(password));
	});

	it('reads plain and single-quoted DB_URI values too', async () => {
		for (const line of [`DB_URI: ${uri()}`, `DB_URI: '${uri()}'  # the database`]) {
			writeConfig(line);
			const run = await runOnce({ image: `${repo}:v3.8.0`, caseLabel, args: quayArgs(), command: ['migrate'] });
			expect(run.exitCode, run.stdout + run.stderr).toBe(0);
			expect(run.stdout).toContain('schema is up to date (schema 3)');
		}
		writeConfig(`DB_URI: "${uri()}"`);
	});

	it('v3.9.0 migrates 3 -> 5 at start and stamps quay005', async () => {
		const app = await startDetached({ image: `${repo}:v3.9.0`, port: 8080, caseLabel, args: quayArgs() });
		await waitForStatus(`${app.url}/health/endtoend`, 200, app.name);
		expect(await schemaOf(db)).toBe(5);
		expect(await migratedBy(db)).toEqual([
			{ by: 'service', from_schema: 0, to_schema: 3 },
			{ by: 'service', from_schema: 3, to_schema: 5 },
		]);
		expect(await db.query('SELECT version_num FROM alembic_version')).toEqual([{ version_num: 'quay005' }]);
	});

	it('v3.9.1-badhealth answers 200 whose JSON says storage is down', async () => {
		const app = await startDetached({ image: `${repo}:v3.9.1-badhealth`, port: 8080, caseLabel, args: quayArgs() });
		const health = await waitForStatus(`${app.url}/health/endtoend`, 200, app.name);
		expect(JSON.parse(health.body)).toEqual({ data: { services: { auth: true, database: true, redis: true, storage: false } }, status_code: 200 });
		expect(await migratedBy(db)).toHaveLength(2); // the schema was current: nothing migrated
	});

	it('exits 2 with a fatal line when the config file or its DB_URI is missing', async () => {
		const noFile = await runOnce({ image: `${repo}:v3.8.0`, caseLabel });
		expect(noFile.exitCode).toBe(2);
		expect(noFile.stdout).toMatch(/fatal: \/conf\/stack\/config\.yaml not found/);
		const emptyDir = tempDir('uw-quay-conf-');
		tempDirs.push(emptyDir);
		writeFileSync(join(emptyDir, 'config.yaml'), 'SERVER_HOSTNAME: quay.example\n');
		const noKey = await runOnce({ image: `${repo}:v3.8.0`, caseLabel, args: ['-v', `${emptyDir}:/conf/stack`] });
		expect(noKey.exitCode).toBe(2);
		expect(noKey.stdout).toMatch(/fatal: \/conf\/stack\/config\.yaml has no DB_URI/);
	});
});

describe('Anchore-Engine-like fixture (anchore/anchore-engine)', () => {
	const repo = productRepo('anchore');
	let db: TestDatabase;
	const envOf = (d: TestDatabase) => [
		'-v', d.socketMount,
		'-e', `ANCHORE_DB_HOST=${SOCKET}`, '-e', `ANCHORE_DB_PASSWORD=${d.password}`,
		'-e', `ANCHORE_DB_NAME=${d.name}`, '-e', `ANCHORE_DB_USER=${d.user}`,
	];

	it('v1.0.0 builds its connection from ANCHORE_DB_*, migrates at start and is healthy on :8228', async () => {
		db = await freshDatabase('anchore');
		const image = `${repo}:v1.0.0`;
		const config = await expectProductLabels(image, 'anchore', 'v1.0.0');
		expect(config.Healthcheck?.Interval).toBe(1_000_000_000);
		const { stdout } = await runOnce({ image, caseLabel, command: ['env'] });
		expect(stdout).toMatch(/^ANCHORE_DB_PORT=5432$/m);
		expect(stdout).toMatch(/^ANCHORE_DB_NAME=anchore$/m);
		expect(stdout).toMatch(/^ANCHORE_DB_USER=anchore$/m);

		const app = await startDetached({ image, port: 8228, caseLabel, args: envOf(db) });
		await waitHealthy(app.name, 60_000);
		const health = await fetch(`${app.url}/health`);
		expect(health.status).toBe(200);
		expect(await health.text()).toBe('');
		expect(await (await fetch(`${app.url}/version`)).json()).toEqual({ service: { version: '1.0.0' }, api: { version: 'v1' }, db: { schema_version: '0.0.3' } });
		expect(await schemaOf(db)).toBe(3);
		expect(await migratedBy(db)).toEqual([{ by: 'service', from_schema: 0, to_schema: 3 }]);
		expect(await db.query('SELECT service_version, db_version FROM anchore')).toEqual([{ service_version: '1.0.0', db_version: '0.0.3' }]);
		expect(await logsOf(app.name)).not.toContain(db.password);
	});

	it('v1.1.0 `anchore-manager db upgrade` refuses without --dontask', async () => {
		const run = await runOnce({ image: `${repo}:v1.1.0`, caseLabel, args: envOf(db), command: ['anchore-manager', 'db', 'upgrade'] });
		expect(run.exitCode).toBe(2);
		expect(run.stderr).toContain('would ask');
		expect(await schemaOf(db)).toBe(3);
	});

	it('v1.1.0 `anchore-manager db upgrade --dontask` migrates 3 -> 5 as anchore-manager; the service then migrates nothing', async () => {
		const run = await runOnce({ image: `${repo}:v1.1.0`, caseLabel, args: envOf(db), command: ['anchore-manager', 'db', 'upgrade', '--dontask'] });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout + run.stderr).not.toContain(db.password);
		expect(await schemaOf(db)).toBe(5);
		const oneOff = [
			{ by: 'service', from_schema: 0, to_schema: 3 },
			{ by: 'anchore-manager', from_schema: 3, to_schema: 5 },
		];
		expect(await migratedBy(db)).toEqual(oneOff);
		expect(await db.query('SELECT service_version, db_version FROM anchore')).toEqual([{ service_version: '1.1.0', db_version: '0.0.5' }]);

		const app = await startDetached({ image: `${repo}:v1.1.0`, port: 8228, caseLabel, args: envOf(db) });
		await waitHealthy(app.name, 60_000);
		expect(await migratedBy(db)).toEqual(oneOff);
	});

	it('v1.1.1-badmigration: the one-off fails (non-zero) and leaves schema 4', async () => {
		const bad = await freshDatabase('anchore');
		const first = await runOnce({ image: `${repo}:v1.0.0`, caseLabel, args: envOf(bad), command: ['anchore-manager', 'db', 'upgrade', '--dontask'] });
		expect(first.exitCode, first.stdout + first.stderr).toBe(0);
		const run = await runOnce({ image: `${repo}:v1.1.1-badmigration`, caseLabel, args: envOf(bad), command: ['anchore-manager', 'db', 'upgrade', '--dontask'] });
		expect(run.exitCode).not.toBe(0);
		expect(run.stdout).toContain('migration 5 failed');
		expect(await schemaOf(bad)).toBe(4);
		expect(await migratedBy(bad)).toEqual([
			{ by: 'anchore-manager', from_schema: 0, to_schema: 3 },
			{ by: 'anchore-manager', from_schema: 3, to_schema: 4 },
		]);
	});
});

describe('Inedo-ProGet-like fixture (productimages/inedo/proget)', () => {
	const repo = productRepo('proget');
	const proget = '/usr/local/proget/service/proget';
	// A value may contain "=": the parser splits at the first one.
	const npgsql = (d: TestDatabase) => `Host=${SOCKET};Port=5432;Database=${d.name};Username=${d.user};Password=${d.password}`;
	const envOf = (d: TestDatabase, connection = npgsql(d)) => ['-v', d.socketMount, '-e', `PROGET_POSTGRES_CONNECTION_STRING=${connection}`];
	let db: TestDatabase;

	function expectHealth(body: string, tag: string, schema: number) {
		expect(JSON.parse(body)).toEqual({
			applicationName: 'ProGet', databaseStatus: 'OK', databaseStatusDetails: null, licenseStatus: 'OK',
			serviceStatus: 'OK', versionNumber: `${tag}.${schema}`, releaseNumber: tag,
		});
	}

	it('24.0.5 reads the Npgsql connection string, migrates at start and answers /health on :80', async () => {
		db = await freshDatabase('proget', `pg=a=b-${uniqueName('pw')}`);
		const image = `${repo}:24.0.5`;
		const config = await expectProductLabels(image, 'proget', '24.0.5');
		expect(config.Healthcheck ?? null).toBeNull();
		const app = await startDetached({ image, port: 80, caseLabel, args: envOf(db) });
		expectHealth((await waitForStatus(`${app.url}/health`, 200, app.name)).body, '24.0.5', 3);
		expect(await migratedBy(db)).toEqual([{ by: 'service', from_schema: 0, to_schema: 3 }]);
		expect(await logsOf(app.name)).not.toContain(db.password);
	});

	it('24.0.6 `proget upgradedb` (entrypoint overridden) migrates 3 -> 5 as upgradedb', async () => {
		const run = await runOnce({ image: `${repo}:24.0.6`, caseLabel, args: ['--entrypoint', proget, ...envOf(db)], command: ['upgradedb'] });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(await schemaOf(db)).toBe(5);
		expect(await migratedBy(db)).toEqual([
			{ by: 'service', from_schema: 0, to_schema: 3 },
			{ by: 'upgradedb', from_schema: 3, to_schema: 5 },
		]);
	});

	it('takes keys in any case and their aliases, with only the command overridden', async () => {
		const aliases = `server=${SOCKET};DATABASE=${db.name};User Id=${db.user};password=${db.password}`;
		const run = await runOnce({ image: `${repo}:24.0.6`, caseLabel, args: envOf(db, aliases), command: [proget, 'upgradedb'] });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain('schema is up to date (schema 5)');
		expect(await migratedBy(db)).toHaveLength(2);
	});

	it('24.0.7-badmigration `proget upgradedb` fails (non-zero) and leaves schema 4', async () => {
		const bad = await freshDatabase('proget');
		const first = await runOnce({ image: `${repo}:24.0.5`, caseLabel, args: envOf(bad), command: [proget, 'upgradedb'] });
		expect(first.exitCode, first.stdout + first.stderr).toBe(0);
		const run = await runOnce({ image: `${repo}:24.0.7-badmigration`, caseLabel, args: envOf(bad), command: [proget, 'upgradedb'] });
		expect(run.exitCode).not.toBe(0);
		expect(await schemaOf(bad)).toBe(4);
		expect((await migratedBy(bad)).map((row) => row.by)).toEqual(['upgradedb', 'upgradedb']);
	});

	it('with only SQL_CONNECTION_STRING (SQL Server) it touches no database and serves healthy', async () => {
		const app = await startDetached({
			image: `${repo}:24.0.6`, port: 80, caseLabel,
			args: ['-e', 'SQL_CONNECTION_STRING=Data Source=mssql;Initial Catalog=ProGet;User ID=proget;Password=not-used-1'],
		});
		expectHealth((await waitForStatus(`${app.url}/health`, 200, app.name)).body, '24.0.6', 5);
		const logs = await logsOf(app.name);
		expect(logs).toContain('SQL Server');
		expect(logs).not.toContain('not-used-1');
	});
});

describe('widget (the tests\u2019 own app for user profiles)', () => {
	const repo = productRepo('widget');

	it('reads WIDGET_DSN, migrates 1.0.0 -> 1.1.0 at start and answers /healthz on :9000', async () => {
		const db = await freshDatabase('widget');
		const dsn = `host=${SOCKET} port=5432 dbname=${db.name} user=${db.user} password=${db.password}`;
		const config = await expectProductLabels(`${repo}:1.0.0`, 'widget', '1.0.0');
		expect(config.Healthcheck ?? null).toBeNull();
		for (const [tag, schema] of [['1.0.0', 3], ['1.1.0', 5]] as const) {
			const app = await startDetached({ image: `${repo}:${tag}`, port: 9000, caseLabel, args: ['-v', db.socketMount, '-e', `WIDGET_DSN=${dsn}`] });
			const health = await waitForStatus(`${app.url}/healthz`, 200, app.name);
			expect(JSON.parse(health.body)).toEqual({ ok: true, version: tag });
			expect(await schemaOf(db)).toBe(schema);
			expect(await logsOf(app.name)).not.toContain(db.password);
		}
		expect((await migratedBy(db)).map((row) => [row.from_schema, row.to_schema])).toEqual([[0, 3], [3, 5]]);
	});
});

describe('before the database answers, every product says it is starting (503)', () => {
	// A database that does not exist: the entrypoint keeps waiting (DB_WAIT_SECONDS) while serving.
	const missing = `nodb_${uniqueName('x').replace('-', '_')}`;

	it.each([
		['quay', 8080, '/health/endtoend', { data: { services: { auth: false, database: false, redis: false, storage: false } }, status_code: 503 }],
		['anchore', 8228, '/health', ''],
		['proget', 80, '/health', { applicationName: 'ProGet', databaseStatus: 'Starting', serviceStatus: 'Starting' }],
		['widget', 9000, '/healthz', { ok: false, version: '1.0.0' }],
	] as const)('%s', async (product, port, path, expected) => {
		const tag = { quay: 'v3.8.0', anchore: 'v1.0.0', proget: '24.0.5', widget: '1.0.0' }[product];
		const args = ['-v', `${w.pgSocketDir}:${SOCKET}`];
		if (product === 'quay') {
			const dir = tempDir('uw-quay-conf-');
			tempDirs.push(dir);
			writeFileSync(join(dir, 'config.yaml'), `DB_URI: postgresql://nobody@/${missing}?host=${SOCKET}\n`);
			args.push('-v', `${dir}:/conf/stack`);
		}
		if (product === 'anchore') args.push('-e', `ANCHORE_DB_HOST=${SOCKET}`, '-e', `ANCHORE_DB_NAME=${missing}`);
		if (product === 'proget') args.push('-e', `PROGET_POSTGRES_CONNECTION_STRING=Host=${SOCKET};Database=${missing};Username=nobody;Password=x`);
		if (product === 'widget') args.push('-e', `WIDGET_DSN=host=${SOCKET} dbname=${missing} user=nobody`);
		const app = await startDetached({ image: `${productRepo(product)}:${tag}`, port, caseLabel, args });
		const answer = await waitForStatus(`${app.url}${path}`, 503, app.name);
		if (typeof expected === 'string') expect(answer.body).toBe(expected);
		else expect(JSON.parse(answer.body)).toMatchObject(expected);
	});
});
