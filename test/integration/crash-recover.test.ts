import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, exists, inspect, removeByLabel, uniqueName, waitHealthy } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { expectOriginalBack as sharedOriginalBack } from '../support/original-back.js';
import { newStateHome, runWizard, signalWhen, type WizardEvent } from '../support/wizard.js';

// The fault matrix of crash-safe runs: the wizard is killed with SIGKILL at
// every transition boundary (driven by its own --json events), then
// `upgrade-wizard recover --yes` must put the original container back (same ID,
// image, healthy, data intact, no strays), or finish a hop that had committed.

const w = world();
const id = uniqueName('crash');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const databases: TestDatabase[] = [];

type Event = WizardEvent;

/** Run the wizard with --json and SIGKILL it as soon as an event matches. */
async function killWhen(args: string[], stateHome: string, match: (event: Event) => boolean) {
	const run = await signalWhen(args, 'SIGKILL', match, { stateHome, timeoutMs: 120_000 });
	expect(run.sent, `the wizard ended before the boundary: ${JSON.stringify(run.events.slice(-5))}`).toBe(true);
	// A SIGKILLed child has no exit code.
	return { stateHome, events: run.events, killed: run.exitCode === -1 };
}

async function recover(stateHome: string, extra: string[] = []) {
	return runWizard(['recover', '--yes', ...extra], { stateHome, timeoutMs: 180_000 });
}

/** The original back, on the app's 1.6.0. */
function expectOriginalBack(name: string, originalId: string) {
	return sharedOriginalBack(name, originalId, `${w.appRepo}:1.6.0`);
}

function journalOf(stateHome: string): any {
	const dir = join(stateHome, 'upgrade-wizard', 'runs');
	const [file] = readdirSync(dir).filter((entry) => entry.endsWith('.json'));
	return JSON.parse(readFileSync(join(dir, file!), 'utf8'));
}

async function appWithData(suffix: string) {
	const db = await createTestDatabase(w);
	databases.push(db);
	const name = `${id}-${suffix}`;
	const originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
	// Data the app's volume holds: it must survive every crash and recovery.
	await docker(['exec', name, 'sh', '-c', 'echo kept > /data/marker']);
	return { db, name, originalId };
}

async function expectDataKept(name: string) {
	const marker = await docker(['exec', name, 'cat', '/data/marker']);
	expect(marker.stdout.trim()).toBe('kept');
}

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const db of databases) await db.drop();
});

const step = (type: string, name: string) => (event: Event) => event.type === type && event.step === name;

describe('kill -9 at every transition boundary, then recover', () => {
	const cells: Array<[string, (event: Event) => boolean]> = [
		['after the pull', step('step-done', 'pull')],
		// The new container is created as <name>-uw-new while the old one still runs.
		['after the staged create, before the stop', step('step-done', 'create')],
		['during the stop', step('step-started', 'stop')],
		['after the park (renamed to -old, the new one still staged)', step('step-done', 'rename')],
		['before the start (the staged one renamed)', step('step-started', 'start')],
		['after the start', step('step-done', 'start')],
		['during the health gate', step('step-started', 'health')],
	];
	for (const [cell, boundary] of cells) {
		it(`${cell}: the original container is back`, async () => {
			const { name, originalId } = await appWithData(cell.replace(/\W+/g, '').slice(0, 12));
			const stateHome = newStateHome();
			const killed = await killWhen(['--yes', '--container', name, '--to', '1.6.1'], stateHome, boundary);
			expect(killed.killed).toBe(true);
			expect(journalOf(stateHome).status).toBe('running');

			// A new run refuses the container, names the run and recover, and touches nothing.
			const again = await runWizard(['--yes', '--container', name, '--to', '1.6.1'], { stateHome });
			expect(again.exitCode, again.stderr).toBe(2);
			expect(again.stderr.trim().split('\n')).toHaveLength(1);
			expect(again.stderr).toMatch(/belongs to the interrupted run \S+ .*upgrade-wizard recover/);

			const dry = await runWizard(['recover', '--dry-run'], { stateHome });
			expect(dry.exitCode, dry.stderr).toBe(0);
			expect(dry.stdout).toContain(`interrupted run ${journalOf(stateHome).runId}`);

			const done = await recover(stateHome);
			expect(done.exitCode, done.stdout + done.stderr).toBe(0);
			await expectOriginalBack(name, originalId);
			await expectDataKept(name);
			expect(journalOf(stateHome).status).toBe('recovered');

			// Idempotent: nothing left to recover.
			const twice = await recover(stateHome);
			expect(twice.exitCode).toBe(0);
			expect(twice.stdout).toContain('nothing to recover');
		});
	}

	it('during the removal of -old (the hop had committed): recover finishes the upgrade', async () => {
		const { name } = await appWithData('commit');
		const stateHome = newStateHome();
		await killWhen(['--yes', '--container', name, '--to', '1.6.1'], stateHome, step('step-started', 'remove-old'));
		const done = await recover(stateHome);
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		expect(done.stdout).toMatch(/upgraded/);
		const after = await inspect(name);
		expect(after.Config.Image).toBe(`${w.appRepo}:1.6.1`);
		await waitHealthy(name, 30_000);
		expect(await exists(`${name}-old`)).toBe(false);
		await expectDataKept(name);
	});

	it('kill -9 of recover itself, then recover again: the same end state', async () => {
		const { name, originalId } = await appWithData('recoverkill');
		const stateHome = newStateHome();
		await killWhen(['--yes', '--container', name, '--to', '1.6.1'], stateHome, step('step-done', 'start'));
		// The first recover dies after its first undo.
		await killWhen(['recover', '--yes'], stateHome, (event) => event.type === 'rollback-step');
		expect(journalOf(stateHome).recovery.status).toBe('running');
		const done = await recover(stateHome);
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		await expectOriginalBack(name, originalId);
		await expectDataKept(name);
	});
});

describe('kill -9 during the health gate of a migrating start', () => {
	let db: TestDatabase;
	let name: string;
	let originalId: string;
	let before: Record<string, number>;

	async function counts(): Promise<Record<string, number>> {
		const out: Record<string, number> = {};
		const tables = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
		for (const { table_name } of tables) out[table_name] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name}"`))[0]!.n;
		return out;
	}

	beforeAll(async () => {
		db = await createTestDatabase(w);
		databases.push(db);
		name = `${id}-mig`;
		// Slow migrations: the orphaned new container goes on migrating after the wizard died.
		originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel, args: ['-e', 'MIGRATION_DELAY=1.5'] });
		before = await counts();
	});

	it('recover removes the orphan, restores the database (row counts equal) and brings the original back', async () => {
		const stateHome = newStateHome();
		await killWhen(['--yes', '--container', name, '--to', '1.7.0'], stateHome, (event) => event.type === 'log' && /migration/.test(JSON.stringify(event)));
		// The orphan keeps migrating: wait until the schema has moved on.
		const deadline = Date.now() + 60_000;
		let schema = 3;
		while (Date.now() < deadline && schema <= 3) {
			schema = (await db.query<{ v: number }>('SELECT max(version)::int AS v FROM schema_version'))[0]!.v;
			if (schema <= 3) await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(schema).toBeGreaterThan(3);

		const done = await recover(stateHome);
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		expect(done.stdout).toContain('database restored');
		await expectOriginalBack(name, originalId);
		expect((await db.query<{ v: number }>('SELECT max(version)::int AS v FROM schema_version'))[0]!.v).toBe(3);
		expect(await counts()).toEqual(before);
		const journal = journalOf(stateHome);
		expect(journal.restores.at(-1).status).toBe('done');
		expect(JSON.stringify(journal)).not.toContain(db.password);
		// Env keys only, never values, even of variables no name pattern calls secret.
		expect(JSON.stringify(journal)).not.toContain('MIGRATION_DELAY=1.5');
		expect(JSON.stringify(journal)).toContain('"MIGRATION_DELAY"');
	});
});
