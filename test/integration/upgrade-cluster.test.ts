import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { exists, inspect, removeByLabel, uniqueName, waitHealthy } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { runWizard } from '../support/wizard.js';

// A cluster is upgraded strictly one container at a time, in order; the next
// starts only once the previous is healthy, and a failure stops the run there.

const w = world();
const id = uniqueName('cl');
let db: TestDatabase;

afterAll(async () => {
	await removeByLabel(`io.upgrade-wizard.case=${id}-ok`);
	await removeByLabel(`io.upgrade-wizard.case=${id}-fail`);
	await db?.drop();
});

beforeAll(async () => {
	db = await createTestDatabase(w);
});

async function startCluster(suffix: string): Promise<Map<string, string>> {
	const caseLabel = `io.upgrade-wizard.case=${id}-${suffix}`;
	const ids = new Map<string, string>();
	for (const node of ['n1', 'n2', 'n3']) {
		const name = `${id}-${suffix}-${node}`;
		ids.set(name, await startApp(w, { name, tag: '1.6.0', db, caseLabel }));
	}
	return ids;
}

describe('cluster', () => {
	it('upgrades three nodes in order, each healthy before the next stops', async () => {
		const nodes = await startCluster('ok');
		const run = await runWizard(['--yes', '--label', `io.upgrade-wizard.case=${id}-ok`, '--to', '1.7.0', '--health-timeout', '90']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const names = [...nodes.keys()];
		const lines = run.stdout.split('\n');
		const at = (pattern: string) => lines.findIndex((line) => line.includes(pattern));
		for (let index = 0; index < names.length; index++) {
			const name = names[index]!;
			expect(at(`[${name}] health done`)).toBeGreaterThan(at(`[${name}] stop:`));
			if (index + 1 < names.length) expect(at(`[${names[index + 1]}] stop:`)).toBeGreaterThan(at(`[${name}] health done`));
			const after = await inspect(name);
			expect(after.Config.Image).toBe(`${w.appRepo}:1.7.0`);
			expect(after.State.Running).toBe(true);
			// The gate may pass on its own two checks while the engine still says
			// "starting"; the engine must agree soon after.
			await waitHealthy(name, 30_000);
			expect(await exists(`${name}-old`)).toBe(false);
		}
		// One pull for all three, before the first stop.
		expect(at('pull done')).toBeLessThan(at(`[${names[0]}] stop:`));
	});

	it('with a failing target rolls the first back and leaves the other two untouched', async () => {
		const nodes = await startCluster('fail');
		const run = await runWizard(['--yes', '--label', `io.upgrade-wizard.case=${id}-fail`, '--to', '1.7.1-crash', '--health-timeout', '30']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		const [first, ...rest] = [...nodes.entries()];
		expect(run.stdout).toMatch(new RegExp(`${first![0]}: .*: rolled back`));
		for (const [name, originalId] of [first!, ...rest]) {
			const after = await inspect(name);
			expect(after.Id).toBe(originalId);
			expect(after.Config.Image).toBe(`${w.appRepo}:1.6.0`);
			expect(after.State.Running).toBe(true);
			expect(await exists(`${name}-old`)).toBe(false);
		}
		for (const [name] of rest) {
			expect(run.stdout).toMatch(new RegExp(`${name}: .*: not attempted`));
			expect(run.stdout).not.toContain(`[${name}] stop:`);
		}
	});
});
