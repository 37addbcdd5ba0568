import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { exists, inspect, removeByLabel, uniqueName, waitHealthy } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { runWizard } from '../support/wizard.js';

// A cluster on one database: one backup before the first swap; with
// --stop-all-first every node stops before the first migrating start, and a
// failure restores the database once and brings every old node back.

const w = world();
const id = uniqueName('dbc');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const databases: TestDatabase[] = [];

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const db of databases) await db.drop();
});

async function cluster(suffix: string, db: TestDatabase): Promise<Map<string, string>> {
	const nodes = new Map<string, string>();
	for (const node of ['n1', 'n2', 'n3']) {
		const name = `${id}-${suffix}-${node}`;
		nodes.set(name, await startApp(w, { name, tag: '1.6.0', db, caseLabel, args: ['--label', `io.upgrade-wizard.cluster=${id}-${suffix}`] }));
	}
	return nodes;
}

async function schema(db: TestDatabase): Promise<number> {
	const [row] = await db.query<{ version: number }>('SELECT max(version)::int AS version FROM schema_version');
	return row!.version;
}

describe('cluster on one database', () => {
	let db: TestDatabase;
	beforeAll(async () => {
		db = await createTestDatabase(w);
		databases.push(db);
	});

	it('--stop-all-first: a failed migration restores the database once and restarts every old node', async () => {
		const nodes = await cluster('saf', db);
		const [accounts] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts');
		const run = await runWizard(['--yes', '--label', `io.upgrade-wizard.cluster=${id}-saf`, '--to', '1.7.1-badmigration', '--stop-all-first', '--migration-timeout', '20']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain('every node stops before the first migrating start');
		expect(run.stdout.match(/backup done/g)).toHaveLength(1);
		expect(run.stdout.match(/restore done/g)).toHaveLength(1);
		const lines = run.stdout.split('\n');
		const names = [...nodes.keys()];
		// Every node was stopped before the first new container was created.
		const firstCreate = lines.findIndex((line) => line.includes('] create:'));
		for (const name of names) expect(lines.findIndex((line) => line.includes(`[${name}] stop:`))).toBeLessThan(firstCreate);
		for (const [name, originalId] of nodes) {
			const after = await inspect(name);
			expect(after.Id).toBe(originalId);
			expect(after.Config.Image).toBe(`${w.appRepo}:1.6.0`);
			await waitHealthy(name, 30_000);
			expect(await exists(`${name}-old`)).toBe(false);
		}
		expect(await schema(db)).toBe(3);
		const [after] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts');
		expect(after!.n).toBe(accounts!.n);
	});

	it('--offline-backup: stops the app before the dump, then upgrades', async () => {
		const single = await createTestDatabase(w);
		databases.push(single);
		const name = `${id}-offline`;
		await startApp(w, { name, tag: '1.6.0', db: single, caseLabel });
		const dry = await runWizard(['--dry-run', '--container', name, '--to', '1.7.0', '--offline-backup']);
		expect(dry.stdout).toContain('taken with the app STOPPED (--offline-backup: longer downtime)');
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0', '--offline-backup']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const lines = run.stdout.split('\n');
		const stop = lines.findIndex((line) => line.includes(`[${name}] stop:`));
		const backup = lines.findIndex((line) => line.includes(`[${name}] backup done`));
		expect(stop).toBeGreaterThan(-1);
		expect(stop).toBeLessThan(backup);
		expect((await inspect(name)).Config.Image).toBe(`${w.appRepo}:1.7.0`);
		expect(await schema(single)).toBe(5);
	});
});
