import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, inspect, removeByLabel, TEST_LABEL, uniqueName, waitHealthy } from '../support/docker.js';
import { productRepo, startDetached, waitForStatus } from '../support/products.js';
import { terminal, tmux, wizardInTerminal } from '../support/tmux.js';
import { tempDir } from '../support/temp-dir.js';

// A seed product through the wizard in a real terminal: the plan screen names
// the profile and its health rules, the run gates on them, the summary lists
// the checklist; and a SQL Server app gets the screen that offers only the skip.

const w = world();
const id = uniqueName('tuiprod');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const session = `uw-${id}`;
const databases: TestDatabase[] = [];
const dirs: string[] = [];

const { waitForScreen, keys } = terminal(session);

afterAll(async () => {
	await tmux('kill-session', '-t', session).catch(() => undefined);
	await removeByLabel(caseLabel);
	await Promise.all(databases.map((db) => db.drop()));
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('seed products in the wizard', () => {
	it('Quay: the profile and its health rules on the plan screen, the upgrade, the checklist in the summary', async () => {
		const db = await createTestDatabase(w, 'tuiquay');
		databases.push(db);
		const conf = tempDir('uw-tui-quay-');
		dirs.push(conf);
		writeFileSync(join(conf, 'config.yaml'), `DB_URI: postgresql://${db.user}:${encodeURIComponent(db.password)}@/${db.name}?host=/run/postgresql\n`);
		const repo = productRepo('quay');
		const app = await startDetached({ image: `${repo}:v3.8.0`, port: 8080, caseLabel, args: ['-v', db.socketMount, '-v', `${conf}:/conf/stack`] });
		await waitForStatus(`${app.url}/health/endtoend`, 200, app.name);

		const state = tempDir('uw-tui-prod-');
		dirs.push(state);
		const wizard = await wizardInTerminal(session, { state, args: ['--container', app.name], columns: 100, rows: 40 });
		await waitForScreen(`[x] ${app.name}`);
		await keys('Enter');
		await waitForScreen(/› v3\.9\.0 +MINOR/);
		await keys('Enter');
		const plan = await waitForScreen('profile: Quay (quay, built-in)', 60_000);
		const flat = plan.split('\n').map((line) => line.trim()).join(' ');
		expect(flat).toContain('HTTP 200 from :8080/health/endtoend with data.services.* all true, data.is_testing false when present');
		await keys('Enter');
		await waitForScreen('Back up the database');
		await keys('y', 'Enter');
		// No schema label on Quay's images: the hop may migrate (Alembic at start).
		await waitForScreen('Schema migration in v3.9.0');
		await keys('y', 'Enter');
		const done = await waitForScreen('Upgrade complete', 120_000);
		expect(done).toContain('✓ health: done');
		expect(done).toContain('- version: not done');
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');
		expect((await inspect(app.name)).Config.Image).toBe(`${repo}:v3.9.0`);
		await tmux('kill-session', '-t', session);
	});

	it('ProGet on SQL Server: the screen says its database is not PostgreSQL and offers only the skip; q leaves it untouched', async () => {
		const repo = productRepo('proget');
		const app = await startDetached({ image: `${repo}:24.0.5`, port: 80, caseLabel, args: ['-e', 'SQL_CONNECTION_STRING=Data Source=mssql;Initial Catalog=ProGet;User ID=sa;Password=Tui-Sql-Secret'] });
		await waitForStatus(`${app.url}/health`, 200, app.name);
		const before = await inspect(app.name);
		const state = tempDir('uw-tui-prod-');
		dirs.push(state);
		const wizard = await wizardInTerminal(session, { state, args: ['--container', app.name, '--to', '24.0.6'], columns: 100, rows: 40 });
		await waitForScreen(`[x] ${app.name}`);
		await keys('Enter');
		await waitForScreen(/› 24\.0\.6/);
		await keys('Enter');
		const screen = await waitForScreen(`${app.name}'s database is not PostgreSQL`, 60_000);
		expect(screen).toContain('SQL Server');
		expect(screen).toContain('s skip the backup');
		expect(screen).not.toContain('u type the URL');
		expect(screen).not.toContain('Tui-Sql-Secret');
		await keys('q');
		const status = await wizard.exitStatus();
		expect(['2', '130']).toContain(status);
		const after = await inspect(app.name);
		expect([after.Id, after.Config.Image, after.State.Running]).toEqual([before.Id, `${repo}:24.0.5`, true]);
	});

	it('ProGet 2025 on its embedded database: the plan stops it before the copy, the gate says what is copied, the summary names the copy', async () => {
		const repo = productRepo('proget');
		const volume = `${id}-pgdata`;
		await docker(['volume', 'create', '--label', TEST_LABEL, '--label', caseLabel, volume]);
		const app = await startDetached({ image: `${repo}:25.0.1`, port: 80, caseLabel, args: ['-v', `${volume}:/var/proget/database`] });
		await waitForStatus(`${app.url}/health`, 200, app.name, 60_000);
		const state = tempDir('uw-tui-prod-');
		// The SQL Server cell's session stays on exit: wizardInTerminal replaces it.
		const wizard = await wizardInTerminal(session, { state, args: ['--container', app.name, '--to', '25.0.2'], columns: 120, rows: 45 });
		await waitForScreen(`[x] ${app.name}`);
		await keys('Enter');
		await waitForScreen(/› 25\.0\.2/);
		await keys('Enter');
		const plan = await waitForScreen('profile: Inedo ProGet (inedo-proget, built-in)', 60_000);
		const steps = plan.split('\n').map((line) => line.trim()).filter((line) => /^\d+\. /.test(line));
		expect(steps.slice(0, 3)).toEqual([
			'1. pull the new image',
			`2. stop ${app.name}`,
			`3. back up embedded PostgreSQL 15 in ${app.name} (/var/proget/database) (verified, with the app stopped)`,
		]);
		await keys('Enter');
		const gate = await waitForScreen('Back up the database');
		expect(gate).toContain(`(volume ${volume})`);
		expect(gate).toContain('the app is stopped before the copy: its database server runs inside it');
		await keys('y', 'Enter');
		await waitForScreen('Schema migration in 25.0.2');
		await keys('y', 'Enter');
		const done = await waitForScreen('Upgrade complete', 120_000);
		// The long path may wrap: read the screen as one line.
		expect(done.replace(/\n\s*/g, '')).toMatch(/backup \S+\.data\.tar \(\d+ ?MB\)/);
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');
		expect((await inspect(app.name)).Config.Image).toBe(`${repo}:25.0.2`);
		await tmux('kill-session', '-t', session);
	});

	/** Container, version, plan (checked by `onPlan`), the gates answered y, the summary returned; exit 0. */
	async function upgradeInTerminal(app: string, args: string[], version: RegExp, profileLine: string, env: string[] = []) {
		const state = tempDir('uw-tui-prod-');
		const wizard = await wizardInTerminal(session, { state, args: ['--container', app, ...args], columns: 120, rows: 45, env });
		await waitForScreen(`[x] ${app}`);
		await keys('Enter');
		await waitForScreen(version);
		await keys('Enter');
		const plan = await waitForScreen(profileLine, 60_000);
		await keys('Enter');
		await waitForScreen('Back up the database');
		await keys('y', 'Enter');
		const next = await waitForScreen(/Schema migration in|Upgrade complete/, 120_000);
		if (next.includes('Schema migration in')) await keys('y', 'Enter');
		const done = await waitForScreen('Upgrade complete', 120_000);
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');
		await tmux('kill-session', '-t', session);
		return { plan: plan.split('\n').map((line) => line.trim()).join(' '), done };
	}

	it('Anchore Engine with --migrate-first: the one-off on the plan screen, anchore-manager migrates, the version checked', async () => {
		const db = await createTestDatabase(w, 'tuianchore');
		databases.push(db);
		const repo = productRepo('anchore');
		const app = await startDetached({
			image: `${repo}:v1.0.0`, port: 8228, caseLabel,
			args: ['-v', db.socketMount, '-e', 'ANCHORE_DB_HOST=/run/postgresql', '-e', `ANCHORE_DB_PASSWORD=${db.password}`, '-e', `ANCHORE_DB_NAME=${db.name}`, '-e', `ANCHORE_DB_USER=${db.user}`],
		});
		await waitHealthy(app.name, 60_000);
		const { plan, done } = await upgradeInTerminal(app.name, ['--to', 'v1.1.0', '--migrate-first'], /› v1\.1\.0/, 'profile: Anchore Engine (anchore-engine, built-in)');
		expect(plan).toContain('anchore-manager db upgrade --dontask');
		expect(done).toContain('✓ version: done');
		const rows = await db.query<{ by: string; to_schema: number }>('SELECT "by", to_schema FROM migrated_by ORDER BY at');
		expect(rows.map((row) => `${row.by}->${row.to_schema}`)).toEqual(['service->3', 'anchore-manager->5']);
		expect((await inspect(app.name)).Config.Image).toBe(`${repo}:v1.1.0`);
	});

	it("a user's own profile (the widget app): named on the plan screen with its file, its health and version checks used", async () => {
		const config = tempDir('uw-tui-xdg-');
		const dir = join(config, 'upgrade-wizard', 'profiles');
		mkdirSync(dir, { recursive: true });
		writeFileSync(
			join(dir, 'widget.yaml'),
			[
				'id: widget',
				'name: Widget',
				'match: [{ repository: ["**/tests/widget"] }]',
				'version: { label: org.opencontainers.image.version }',
				'database: { connectionStrings: [{ env: WIDGET_DSN, dialect: libpq }] }',
				'schemaVersion: { query: "SELECT version FROM schema_version", label: io.upgrade-wizard.schema-version }',
				'labels: { minUpgradeFrom: io.upgrade-wizard.min-upgrade-from, releaseNotes: io.upgrade-wizard.release-notes }',
				'migrationLog: migrat',
				'health: { port: 9000, path: /healthz, body: [{ path: ok, equals: true }] }',
				'checks: { version: { port: 9000, path: /healthz, json: version } }',
				'',
			].join('\n'),
		);
		const db = await createTestDatabase(w, 'tuiwidget');
		databases.push(db);
		const repo = productRepo('widget');
		const app = await startDetached({
			image: `${repo}:1.0.0`, port: 9000, caseLabel,
			args: ['-v', db.socketMount, '-e', `WIDGET_DSN=host=/run/postgresql dbname=${db.name} user=${db.user} password='${db.password}'`],
		});
		await waitForStatus(`${app.url}/healthz`, 200, app.name);
		const { plan, done } = await upgradeInTerminal(app.name, ['--to', '1.1.0'], /› 1\.1\.0/, 'profile: Widget (widget,', [`XDG_CONFIG_HOME=${config}`]);
		expect(plan).toContain(join(dir, 'widget.yaml'));
		expect(plan).toContain('HTTP 200 from :9000/healthz with ok true');
		expect(done).toContain('✓ version: done (version is 1.1.0 at /healthz)');
		expect(done).not.toContain(db.password);
		expect((await inspect(app.name)).Config.Image).toBe(`${repo}:1.1.0`);
	});
});
