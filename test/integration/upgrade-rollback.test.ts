import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, exists, inspect, removeByLabel, TEST_LABEL, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { expectOriginalBack as sharedOriginalBack } from '../support/original-back.js';
import { runWizard } from '../support/wizard.js';
import { tempDir } from '../support/temp-dir.js';

// Every way a new version can fail before it is healthy ends the same way: the
// original container (same ID) back under its name, healthy, no -old left, exit 1,
// and the output saying why.

const w = world();
const id = uniqueName('rb');
const caseLabel = `io.upgrade-wizard.case=${id}`;
let db: TestDatabase;
const NOSTART_TAG = '1.7.1-nostart';

beforeAll(async () => {
	db = await createTestDatabase(w);
	// A target that can be created but never started: its entrypoint does not exist.
	const context = tempDir('uw-nostart-');
	writeFileSync(join(context, 'Dockerfile'), `FROM ${w.appRepo}:1.7.0\nLABEL io.upgrade-wizard.test=1\nENTRYPOINT ["/app/does-not-exist"]\n`);
	await docker(['build', '-q', '-t', `${w.appRepo}:${NOSTART_TAG}`, context]);
	await docker(['push', '-q', `${w.appRepo}:${NOSTART_TAG}`]);
	await docker(['rmi', `${w.appRepo}:${NOSTART_TAG}`]);
}, 120_000);

afterAll(async () => {
	await removeByLabel(caseLabel);
	await db?.drop();
});

/** The original back, on the app's 1.6.0. */
function expectOriginalBack(name: string, originalId: string) {
	return sharedOriginalBack(name, originalId, `${w.appRepo}:1.6.0`);
}

describe('rollback', () => {
	it('puts the original back when the new version never turns healthy', async () => {
		const name = `${id}-unhealthy`;
		const originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.1-unhealthy', '--health-timeout', '12', '--migration-timeout', '12']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain('did not become healthy');
		expect(run.stdout).toMatch(/last health check: exit \d+/);
		expect(run.stdout).toContain('log tail:');
		expect(run.stdout).toMatch(new RegExp(`${name}: .* rolled back`));
		await expectOriginalBack(name, originalId);
	});

	it('puts the original back when the new container cannot start', async () => {
		const name = `${id}-nostart`;
		const originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		const run = await runWizard(['--yes', '--container', name, '--to', NOSTART_TAG, '--health-timeout', '30']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toMatch(/FAILED at start: starting .* failed/);
		await expectOriginalBack(name, originalId);
	});

	it('puts the original back when the new version exits at start', async () => {
		const name = `${id}-crash`;
		const originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.1-crash', '--health-timeout', '30']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toMatch(/the container exited with code [1-9]/);
		await expectOriginalBack(name, originalId);
	});

	it('judges the old container by its own healthcheck, not by a --health-url only the new release would serve', async () => {
		const name = `${id}-newurl`;
		const originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		const { freePort } = await import('../support/docker.js');
		const nothing = `http://127.0.0.1:${await freePort()}/health/new-endpoint`;
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.1-crash', '--health-url', nothing, '--health-timeout', '20']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).not.toContain('ROLLBACK INCOMPLETE');
		await expectOriginalBack(name, originalId);
	});

	it('finishes the upgrade when the reader of its output goes away (| head)', async () => {
		const name = `${id}-epipe`;
		await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		const { execa } = await import('execa');
		const { newStateHome } = await import('../support/wizard.js');
		const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'upgrade-wizard.js');
		const child = execa('node', [bin, '--yes', '--container', name, '--to', '1.6.1'], {
			env: { XDG_STATE_HOME: newStateHome() },
			buffer: false,
			reject: false,
			stdin: 'ignore',
			timeout: 120_000,
		});
		// Read the first chunk, then close the pipe as `head -1` would.
		await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
		child.stdout!.destroy();
		const result = await child;
		expect(result.exitCode).toBe(0);
		expect((await inspect(name)).Config.Image).toBe(`${w.appRepo}:1.6.1`);
		expect(await exists(`${name}-old`)).toBe(false);
	});

	it('keeps -old on request and records the run in the audit log', async () => {
		const name = `${id}-keep`;
		await startApp(w, { name, tag: '1.6.0', db, caseLabel, args: ['--label', TEST_LABEL] });
		const run = await runWizard(['--yes', '--container', name, '--to', '1.6.1', '--keep-old']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(await exists(`${name}-old`)).toBe(true);
		expect((await inspect(`${name}-old`)).State.Running).toBe(false);
		expect(run.stdout).toContain(`kept ${name}-old`);
		const { readFileSync } = await import('node:fs');
		const audit = readFileSync(join(run.stateDir, 'audit.log'), 'utf8');
		expect(audit).toMatch(new RegExp(`container=${name} action=upgraded from=\\S+1\\.6\\.0 to=\\S+1\\.6\\.1`));
	});
});
