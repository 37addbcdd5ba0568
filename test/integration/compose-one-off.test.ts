import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { tempDir } from '../support/temp-dir.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, exists, inspect, uniqueName, waitHealthy } from '../support/docker.js';
import { composeProject, type ComposeTestProject } from '../support/compose.js';
import { productRepo, waitForStatus } from '../support/products.js';
import { newStateHome, runWizard, signalWhen, type WizardEvent } from '../support/wizard.js';
import { terminal, tmux } from '../support/tmux.js';

// --migrate-first and the post-upgrade checks for Compose services, on the real
// engine, registry, Postgres and docker-compose, with the product fixtures: the
// Anchore-like image (`anchore-manager db upgrade --dontask`, its /version) and
// the ProGet-like one (`upgradedb` behind an overridden entrypoint, a
// badmigration tag). Their migrated_by table says who migrated: the service at
// its start, or the one-off. The database is the world's Postgres, through its
// socket, so the test reads it directly.

const w = world();
const SOCKET = '/run/postgresql';
const databases: TestDatabase[] = [];
const projects: ComposeTestProject[] = [];
const dirs: string[] = [];
const session = `uw-${uniqueName('tuioneoff')}`;

type Event = WizardEvent & { source?: string; line?: string; summary?: { containers: Array<{ checklist?: Array<{ check: string; status: string; detail: string }> }> } };
const events = (stdout: string): Event[] => stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Event);

afterEach(async () => {
	// Each cell's project is removed as soon as it ends: the engine is shared.
	for (const project of projects.splice(0)) await project.down();
});

afterAll(async () => {
	await tmux('kill-session', '-t', session).catch(() => undefined);
	for (const db of databases.splice(0)) await db.drop();
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function fresh(prefix: string): Promise<TestDatabase> {
	const db = await createTestDatabase(w, prefix);
	databases.push(db);
	return db;
}

const schemaOf = async (db: TestDatabase) => (await db.query<{ v: number }>('SELECT max(version)::int AS v FROM schema_version'))[0]!.v;
const migratedBy = async (db: TestDatabase) => (await db.query<{ by: string; to_schema: number }>('SELECT "by", to_schema FROM migrated_by ORDER BY at')).map((row) => `${row.by}->${row.to_schema}`);

interface Service {
	project: ComposeTestProject;
	text: string;
	service: string;
	/** The service container's name and ID before the run. */
	name: string;
	id: string;
}

async function started(text: string, service: string): Promise<Service> {
	const project = await composeProject({ files: { 'docker-compose.yml': text } });
	projects.push(project);
	await project.up();
	const [id] = await project.containerIds(service);
	return { project, text, service, id: id!, name: (await inspect(id!)).Name.replace(/^\//, '') };
}

/** Anchore v1.0.0 as a Compose service on its own database (the image's HEALTHCHECK gates). */
async function anchore(db: TestDatabase, env: Record<string, string> = {}): Promise<Service> {
	const extra = Object.entries(env).map(([key, value]) => `      ${key}: "${value}"\n`).join('');
	const text = `# Anchore, as its compose guide lays it out (its database outside the project).
services:
  engine:
    image: ${productRepo('anchore')}:v1.0.0
    environment:
      ANCHORE_DB_HOST: ${SOCKET}
      ANCHORE_DB_NAME: ${db.name}
      ANCHORE_DB_USER: ${db.user}
      ANCHORE_DB_PASSWORD: "${db.password}"
${extra}    volumes:
      - ${db.socketMount}
    labels:
      io.upgrade-wizard.test: "1"
`;
	const service = await started(text, 'engine');
	await waitHealthy(service.id, 90_000);
	return service;
}

/** ProGet 24.0.5 as a Compose service: no HEALTHCHECK, so its /health (on its network address) is waited for. */
async function proget(db: TestDatabase): Promise<Service> {
	const text = `services:
  proget:
    image: ${productRepo('proget')}:24.0.5
    environment:
      PROGET_POSTGRES_CONNECTION_STRING: "Host=${SOCKET};Database=${db.name};Username=${db.user};Password=${db.password}"
    volumes:
      - ${db.socketMount}
    labels:
      io.upgrade-wizard.test: "1"
`;
	const service = await started(text, 'proget');
	await waitForStatus(`http://${await addressOf(service.id)}:80/health`, 200, service.id);
	return service;
}

async function addressOf(id: string): Promise<string> {
	const networks = (await inspect(id)).NetworkSettings.Networks as Record<string, { IPAddress: string }>;
	return Object.values(networks)[0]!.IPAddress;
}

/** The service is back: the files byte for byte, its one container on the old image and running, no one-off left, and `up -d` recreates nothing. */
async function expectBack(service: Service, image: string, sameContainer: boolean) {
	expect(readFileSync(service.project.path('docker-compose.yml'), 'utf8')).toBe(service.text);
	const ids = await service.project.containerIds(service.service);
	expect(ids).toHaveLength(1);
	const now = await inspect(ids[0]!);
	expect(now.Config.Image).toBe(image);
	expect(now.State.Running).toBe(true);
	if (sameContainer) expect(now.Id).toBe(service.id);
	expect(await exists(`${service.name}-migrate`)).toBe(false);
	const oneOffs = await docker(['ps', '-aq', '--filter', 'label=io.upgrade-wizard.one-off', '--filter', `label=com.docker.compose.project=${service.project.name}`]);
	expect(oneOffs.stdout.trim()).toBe('');
	await service.project.compose(['up', '-d']);
	expect(await service.project.containerIds(service.service)).toEqual(ids);
}

/** A user profile replacing the built-in Anchore one, its version check pointed at a value that is never the target, and gating. */
function gatingProfile(): string {
	const dir = tempDir('uw-oneoff-profile-');
	dirs.push(dir);
	const file = join(dir, 'anchore.yaml');
	writeFileSync(
		file,
		`id: anchore-engine
name: Anchore Engine, checks gating
match: [{ repository: ["**/anchore/anchore-engine"] }]
version: { label: version, tags: vX.Y.Z }
database:
  env: { host: ANCHORE_DB_HOST, port: ANCHORE_DB_PORT, name: ANCHORE_DB_NAME, user: ANCHORE_DB_USER, password: ANCHORE_DB_PASSWORD, defaults: { port: 5432, name: postgres, user: postgres } }
schemaVersion: { query: SELECT db_version FROM anchore, name: Engine DB Version, label: io.upgrade-wizard.schema-version }
labels: { minUpgradeFrom: io.upgrade-wizard.min-upgrade-from, releaseNotes: io.upgrade-wizard.release-notes }
migrationLog: upgrad|migrat
migration: { automatic: true, oneOff: { command: [anchore-manager, db, upgrade, --dontask] } }
health: { port: 8228, path: /health, status: 200 }
checks: { version: { port: 8228, path: /version, json: db.schema_version }, gate: true }
`,
	);
	return file;
}

describe('Compose --migrate-first', () => {
	it('the plan shows the one-off and the checks; the one-off migrates, the service finds nothing to do; the checklist in --json', async () => {
		const db = await fresh('cooa');
		const service = await anchore(db);
		const plan = await runWizard(['--dry-run', '--container', service.name, '--to', 'v1.1.0', '--migrate-first']);
		expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
		expect(plan.stdout).toContain(
			`after the stop, before up -d: the one-off migration, compose run --rm --no-deps engine as ${service.name}-migrate on the new tag (no ports): anchore-manager db upgrade --dontask; must exit 0`,
		);
		expect(plan.stdout).toContain('post-upgrade checks: version at :8228/version (service.version) (warnings)');
		expect(readFileSync(service.project.path('docker-compose.yml'), 'utf8')).toBe(service.text);

		const run = await runWizard(['--yes', '--json', '--container', service.name, '--to', 'v1.1.0', '--migrate-first']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const all = events(run.stdout);
		const order = all.filter((event) => event.type === 'step-done' && event.container === service.name).map((event) => event.step);
		expect(order).toEqual(expect.arrayContaining(['files', 'stop', 'migrate', 'start', 'health', 'checks']));
		expect(order.indexOf('migrate')).toBeGreaterThan(order.indexOf('stop'));
		expect(order.indexOf('migrate')).toBeLessThan(order.indexOf('start'));
		expect(order.indexOf('checks')).toBeGreaterThan(order.indexOf('health'));
		const oneOff = all.filter((event) => event.type === 'log' && event.source === 'one-off').map((event) => event.line);
		expect(oneOff.join('\n')).toContain('migration 4/5');
		expect(oneOff.join('\n')).not.toMatch(/Creating .* \.\.\./);
		// Who migrated: the one-off, not the new service container.
		expect(await migratedBy(db)).toEqual(['service->3', 'anchore-manager->5']);
		expect(await schemaOf(db)).toBe(5);
		const checklist = all.at(-1)!.summary!.containers[0]!.checklist!;
		expect(checklist.map((item) => `${item.check} ${item.status}`)).toEqual(['version done', 'health done', 'logs not done']);
		expect(checklist[0]!.detail).toBe('service.version is v1.1.0 at /version');
		expect(readFileSync(service.project.path('docker-compose.yml'), 'utf8')).toBe(service.text.replace(':v1.0.0', ':v1.1.0'));
		expect(await exists(`${service.name}-migrate`)).toBe(false);
		expect(run.stdout).not.toContain(db.password);
	});

	it('without it the new service migrates at its start; the checklist in the text summary', async () => {
		const db = await fresh('coob');
		const service = await anchore(db);
		const run = await runWizard(['--yes', '--container', service.name, '--to', 'v1.1.0']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).not.toContain('one-off');
		expect(await migratedBy(db)).toEqual(['service->3', 'service->5']);
		expect(run.stdout).toContain('checklist: version done (service.version is v1.1.0 at /version); health done (');
	});

	it('a failing upgradedb: exit 1, the database restored, the files and the old container back, no one-off left', async () => {
		const db = await fresh('cooc');
		const service = await proget(db);
		const run = await runWizard(['--yes', '--container', service.name, '--to', '24.0.7-badmigration', '--migrate-first']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain('FAILED at migrate: the one-off migration (/usr/local/proget/service/proget upgradedb) exited with code 5');
		expect(run.stdout).toContain(`remove ${service.name}-migrate`);
		expect(run.stdout).toContain('database restored');
		expect(await schemaOf(db)).toBe(3);
		expect(await migratedBy(db)).toEqual(['service->3']);
		await expectBack(service, `${productRepo('proget')}:24.0.5`, true);
	});

	it('a profile without a one-off: exit 2, one line, nothing touched', async () => {
		const db = await fresh('cood');
		const service = await anchore(db);
		const run = await runWizard(['--yes', '--container', service.name, '--to', 'v1.1.0', '--migrate-first', '--profile-id', 'generic', '--skip-backup']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim()).toBe(`upgrade-wizard: --migrate-first: ${service.name}'s profile generic (built-in) has no one-off migration command (migration.oneOff); nothing was touched`);
		expect(readFileSync(service.project.path('docker-compose.yml'), 'utf8')).toBe(service.text);
		expect((await inspect(service.name)).Id).toBe(service.id);
	});

	it('kill -9 while the one-off migrates, then recover: no one-off left, the files and the database restored, the old container back', async () => {
		const db = await fresh('cooe');
		const service = await anchore(db, { MIGRATION_DELAY: '1.5' });
		const stateHome = newStateHome();
		const killed = await signalWhen(['--yes', '--container', service.name, '--to', 'v1.1.0', '--migrate-first'], 'SIGKILL', (event) => {
			const e = event as Event;
			// Logged after migration 4 committed: the database has changed when the wizard dies.
			return e.type === 'log' && e.source === 'one-off' && /migration 5\/5/.test(e.line ?? '');
		}, { stateHome, timeoutMs: 180_000 });
		expect(killed.sent, JSON.stringify(killed.events.slice(-5))).toBe(true);
		expect(await schemaOf(db)).toBeGreaterThanOrEqual(4);
		expect(readFileSync(service.project.path('docker-compose.yml'), 'utf8')).not.toBe(service.text);
		const dry = await runWizard(['recover', '--dry-run'], { stateHome });
		expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
		expect(dry.stdout).toContain(`recover will: remove ${service.name}-migrate`);
		const done = await runWizard(['recover', '--yes'], { stateHome, timeoutMs: 180_000 });
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		expect(done.stdout).toContain('database restored');
		expect(await schemaOf(db)).toBe(3);
		expect(await migratedBy(db)).toEqual(['service->3']);
		await expectBack(service, `${productRepo('anchore')}:v1.0.0`, true);
		const again = await runWizard(['recover', '--yes'], { stateHome });
		expect(again.stdout).toContain('nothing to recover');
	});
});

describe('Compose post-upgrade checks that gate', () => {
	it('a version that is not the target: failed at checks, rolled back, the database restored, the files and the old image back', async () => {
		const db = await fresh('coof');
		const service = await anchore(db);
		const run = await runWizard(['--yes', '--container', service.name, '--to', 'v1.1.0', '--profile', gatingProfile()]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain('FAILED at checks: post-upgrade checks failed: version: ');
		expect(run.stdout).toContain('db.schema_version is "0.0.5", not v1.1.0');
		expect(run.stdout).toContain('database restored');
		expect(await schemaOf(db)).toBe(3);
		// The new container had migrated at its start; the restore took that back.
		expect(await migratedBy(db)).toEqual(['service->3']);
		await waitHealthy((await service.project.containerIds('engine'))[0]!, 60_000);
		await expectBack(service, `${productRepo('anchore')}:v1.0.0`, false);
	});
});

describe('Compose --migrate-first in the wizard, in a real terminal', () => {
	it('the plan screen lists the one-off and the checks, the summary the checklist', async () => {
		const db = await fresh('coog');
		const service = await anchore(db);
		const state = tempDir('uw-tui-oneoff-');
		dirs.push(state);
		const bin = join(import.meta.dirname, '..', '..', 'bin', 'upgrade-wizard.js');
		const { waitForScreen, keys } = terminal(session);
		await tmux('new-session', '-d', '-s', session, '-x', '110', '-y', '45', '-e', `XDG_STATE_HOME=${state}`, '-e', 'NO_COLOR=1', '--', process.execPath, bin, '--container', service.name, '--to', 'v1.1.0', '--migrate-first');
		await waitForScreen(`[x] ${service.name}`);
		await keys('Enter');
		await waitForScreen(/› v1\.1\.0/);
		await keys('Enter');
		const plan = await waitForScreen('the edit:', 60_000);
		const flat = plan.split('\n').map((line) => line.trim()).join(' ');
		expect(flat).toContain(`the one-off migration in compose run --rm engine as ${service.name}-migrate: anchore-manager db upgrade --dontask (must exit 0)`);
		expect(flat).toContain('post-upgrade checks: version at :8228/version (service.version) (warnings)');
		await keys('Enter');
		await waitForScreen('Back up the database', 30_000);
		await keys('y', 'Enter');
		// A migrating hop may ask once more before the swap.
		let screen = await waitForScreen(/Schema migration in|Upgrade complete/, 60_000);
		if (!screen.includes('Upgrade complete')) {
			await keys('y', 'Enter');
			screen = await waitForScreen('Upgrade complete', 150_000);
		}
		expect(screen).toContain('Upgrade complete');
		expect(screen).toContain('✓ version: done (service.version is v1.1.0 at /version)');
		expect(screen).toContain('✓ health: done');
		expect(await migratedBy(db)).toEqual(['service->3', 'anchore-manager->5']);
		await tmux('kill-session', '-t', session).catch(() => undefined);
		expect(existsSync(service.project.path('docker-compose.yml'))).toBe(true);
	});
});
