import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, removeByLabel, TEST_LABEL, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { expectOriginalBack } from '../support/original-back.js';
import { runWizard } from '../support/wizard.js';
import { tempDir } from '../support/temp-dir.js';
import { waitHealthy } from '../../source/docker/health.js';

// The health gate does not wait for Docker's next healthcheck run: images whose
// healthcheck runs every 30 s (Docker's default interval) pass the gate as soon
// as the app serves, proven by the gate's own check (the profile's HTTP check,
// else the image's own healthcheck command through exec); a check that never
// passes still fails the gate and rolls back.

const w = world();
const id = uniqueName('hoc');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const SLOW = '1.7.1-slowhc';
const SLOW_BROKEN = '1.7.1-unhealthy-slowhc';
const INTERVAL_S = 30;
// One database per case: an older release refuses a schema a newer one migrated.
let db: TestDatabase;
let db2: TestDatabase;
let db3: TestDatabase;
const engine = new Docker();

/** A test-local tag FROM a fixture tag with a 30 s healthcheck interval (and the first run only after it). */
async function slowVariant(from: string, tag: string, test = '["/bin/sh", "-c", "wget -q -O /dev/null http://127.0.0.1:${PORT:-8080}/health/endtoend"]') {
	const context = tempDir('uw-slowhc-');
	writeFileSync(
		join(context, 'Dockerfile'),
		`FROM ${w.appRepo}:${from}\nLABEL io.upgrade-wizard.test=1\nHEALTHCHECK --interval=${INTERVAL_S}s --timeout=3s --retries=3 CMD ${test}\n`,
	);
	await docker(['build', '-q', '-t', `${w.appRepo}:${tag}`, context]);
	await docker(['push', '-q', `${w.appRepo}:${tag}`]);
}

beforeAll(async () => {
	db = await createTestDatabase(w);
	db2 = await createTestDatabase(w);
	db3 = await createTestDatabase(w);
	await slowVariant('1.7.0', SLOW);
	await slowVariant('1.7.1-unhealthy', SLOW_BROKEN);
}, 180_000);

afterAll(async () => {
	await removeByLabel(caseLabel);
	await db?.drop();
	await db2?.drop();
	await db3?.drop();
	await docker(['rmi', `${w.appRepo}:${SLOW}`, `${w.appRepo}:${SLOW_BROKEN}`], { reject: false });
});

function healthDone(stdout: string): { durationMs: number; detail?: string } | undefined {
	return stdout
		.split('\n')
		.filter((line) => line.startsWith('{'))
		.map((line) => JSON.parse(line))
		.find((event) => event.type === 'step-done' && event.step === 'health');
}

describe('health gate with a 30 s healthcheck interval', () => {
	it('upgrades in well under the interval: the profile HTTP check passing twice proves health before Docker runs its check', async () => {
		const name = `${id}-up`;
		await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		const started = Date.now();
		const run = await runWizard(['--yes', '--json', '--container', name, '--to', SLOW]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const health = healthDone(run.stdout);
		expect(health?.durationMs).toBeLessThan(10_000);
		expect(health?.detail).toMatch(/HTTP check passed 2 times in a row/);
		expect(Date.now() - started).toBeLessThan(INTERVAL_S * 1000);
		// Docker itself had not judged it yet: the gate did not wait for it.
		const state = await engine.getContainer(name).inspect();
		expect(state.Config.Image).toBe(`${w.appRepo}:${SLOW}`);
		expect(state.State.Health?.Status).toBe('starting');
	}, 120_000);

	it('without a URL, the image’s own healthcheck command run through exec passes the gate in well under the interval', async () => {
		const name = `${id}-exec`;
		await docker(['run', '-d', '--name', name, '--label', TEST_LABEL, '--label', caseLabel, '-e', `DATABASE_URL=${db2.containerUrl}`, '-v', db2.socketMount, `${w.appRepo}:${SLOW}`]);
		const started = Date.now();
		const result = await waitHealthy(engine, name, { healthcheck: true, stableMs: 0, timeoutMs: 20_000 });
		expect(result).toEqual({ ok: true, detail: expect.stringMatching(/healthcheck command passed 2 times in a row/) });
		expect(Date.now() - started).toBeLessThan(10_000);
	}, 60_000);

	it('an own check that never passes still fails the gate: exec path bounded by the timeout', async () => {
		const name = `${id}-never`;
		await docker(['run', '-d', '--name', name, '--label', TEST_LABEL, '--label', caseLabel, '-e', `DATABASE_URL=${db2.containerUrl}`, '-v', db2.socketMount, `${w.appRepo}:${SLOW_BROKEN}`]);
		const started = Date.now();
		const result = await waitHealthy(engine, name, { healthcheck: true, stableMs: 0, timeoutMs: 4_000 });
		expect(result.ok).toBe(false);
		expect(result.ok ? '' : result.lastCheck).toMatch(/healthcheck command exited 1/);
		expect(Date.now() - started).toBeLessThan(8_000);
	}, 60_000);

	it('an upgrade whose new version never answers healthy is rolled back', async () => {
		const name = `${id}-rb`;
		const originalId = await startApp(w, { name, tag: '1.6.0', db: db3, caseLabel });
		const run = await runWizard(['--yes', '--container', name, '--to', SLOW_BROKEN, '--health-timeout', '8', '--migration-timeout', '8']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain('did not become healthy');
		expect(run.stdout).toMatch(new RegExp(`${name}: .* rolled back`));
		await expectOriginalBack(name, originalId, `${w.appRepo}:1.6.0`);
	}, 120_000);
});
