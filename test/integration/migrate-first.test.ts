import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, exists, inspect, removeByLabel, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { expectOriginalBack } from '../support/original-back.js';
import { newStateHome, runWizard, signalWhen, type WizardEvent } from '../support/wizard.js';

// --migrate-first: the profile's one-off migration runs in a container of the
// new image after the old one stopped and before the new one starts; its exit
// code gates, a failure restores the database, and a crash while it runs is
// put back by `recover`. The acme profile's one-off is the fixture's
// `entrypoint migrate`.

const w = world();
const id = uniqueName('mf');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const databases: TestDatabase[] = [];

type Event = WizardEvent & { source?: string; line?: string; detail?: string; message?: string };

async function appOn16(suffix: string, args: string[] = []) {
	const db = await createTestDatabase(w);
	databases.push(db);
	const name = `${id}-${suffix}`;
	const originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel, args });
	return { db, name, originalId };
}

const schemaOf = async (db: TestDatabase) => (await db.query<{ v: number }>('SELECT max(version)::int AS v FROM schema_version'))[0]!.v;
const events = (stdout: string): Event[] => stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Event);

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const db of databases) await db.drop();
});

describe('--migrate-first', () => {
	it('the one-off migrates, then the new container starts on a migrated schema; the one-off is gone', async () => {
		const { db, name } = await appOn16('ok');
		const run = await runWizard(['--yes', '--json', '--container', name, '--to', '1.7.0', '--migrate-first']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const all = events(run.stdout);
		const started = all.find((event) => event.type === 'run-started') as unknown as { steps: Record<string, string[]> };
		expect(started.steps[name]).toEqual(['pull', 'create', 'stop', 'rename', 'migrate', 'start', 'health', 'remove-old']);
		const order = all.filter((event) => event.type === 'step-done').map((event) => event.step);
		expect(order.indexOf('migrate')).toBeGreaterThan(order.indexOf('rename'));
		// The new container was created (staged) before the stop; it starts only after the one-off.
		expect(order.indexOf('migrate')).toBeLessThan(order.indexOf('start'));
		// Who migrated: the one-off's output has the migrations, the new container found nothing to do.
		const oneOff = all.filter((event) => event.type === 'log' && event.source === 'one-off').map((event) => event.line);
		expect(oneOff.join('\n')).toContain('migration 4/5');
		const logs = await docker(['logs', name]);
		expect(logs.stdout + logs.stderr).toContain('schema is up to date (schema 5)');
		expect(logs.stdout + logs.stderr).not.toContain('migration 4/5');
		expect(await schemaOf(db)).toBe(5);
		expect(await exists(`${name}-migrate`)).toBe(false);
		expect((await inspect(name)).Config.Image).toBe(`${w.appRepo}:1.7.0`);
	});

	it('the plan shows the one-off as its own step', async () => {
		const { name } = await appOn16('plan');
		const run = await runWizard(['--dry-run', '--container', name, '--to', '1.7.0', '--migrate-first']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain(`before the new ${name} starts: the one-off migration in ${name}-migrate of the new image (its env, networks, volumes): migrate; must exit 0`);
	});

	it('a failing one-off: exit 1, the database restored, the original back, no one-off left', async () => {
		const { db, name, originalId } = await appOn16('bad');
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.1-badmigration', '--migrate-first']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain('the one-off migration (migrate) exited with code 5');
		expect(run.stdout).toContain('database restored');
		expect(await schemaOf(db)).toBe(3);
		await expectOriginalBack(name, originalId, `${w.appRepo}:1.6.0`);
	});

	it('a profile without a one-off: exit 2, one line, nothing touched', async () => {
		const { name, originalId } = await appOn16('none');
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0', '--migrate-first', '--profile-id', 'generic', '--skip-backup']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim()).toBe(`upgrade-wizard: --migrate-first: ${name}'s profile generic (built-in) has no one-off migration command (migration.oneOff); nothing was touched`);
		expect((await inspect(name)).Id).toBe(originalId);
	});

	it('kill -9 while the one-off migrates, then recover: the orphan removed, the database restored, the original back', async () => {
		const { db, name, originalId } = await appOn16('kill', ['-e', 'MIGRATION_DELAY=1.5']);
		const stateHome = newStateHome();
		const killed = await signalWhen(['--yes', '--container', name, '--to', '1.7.0', '--migrate-first'], 'SIGKILL', (event) => {
			const e = event as Event;
			return e.type === 'log' && e.source === 'one-off' && /migration 4/.test(e.line ?? '');
		}, { stateHome, timeoutMs: 120_000 });
		expect(killed.sent, JSON.stringify(killed.events.slice(-5))).toBe(true);
		// The orphaned one-off goes on migrating without the wizard.
		const deadline = Date.now() + 60_000;
		while (Date.now() < deadline && (await schemaOf(db)) <= 3) await new Promise((resolve) => setTimeout(resolve, 250));
		expect(await schemaOf(db)).toBeGreaterThan(3);
		const done = await runWizard(['recover', '--yes'], { stateHome, timeoutMs: 180_000 });
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		expect(done.stdout).toContain(`remove ${name}-migrate`);
		expect(done.stdout).toContain('database restored');
		expect(await schemaOf(db)).toBe(3);
		await expectOriginalBack(name, originalId, `${w.appRepo}:1.6.0`);
		const again = await runWizard(['recover', '--yes'], { stateHome });
		expect(again.exitCode).toBe(0);
	});
});
