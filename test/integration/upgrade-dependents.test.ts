import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, exists, inspect, removeByLabel, TEST_LABEL, uniqueName, waitHealthy } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { expectOriginalBack } from '../support/original-back.js';
import { newStateHome, runWizard, signalWhen, type WizardEvent } from '../support/wizard.js';

// Issue 15 (13): a container another one joins through `--network container:X`
// (a sidecar running another image, its healthcheck off: it only sleeps) is upgraded with the sidecar handled around
// it: stopped first, recreated after the gate joined to the new X; on a failure
// or after kill -9 and recover, both are back with their original IDs.

const w = world();
const id = uniqueName('deps');
const caseLabel = `io.upgrade-wizard.case=${id}`;
let db: TestDatabase;

beforeAll(async () => {
	db = await createTestDatabase(w);
});

afterAll(async () => {
	await removeByLabel(caseLabel);
	await db?.drop();
});

/** The app on 1.6.0 and a sidecar of another image (busybox-based postgres fixture, sleeping) in its network namespace. */
async function appWithSidecar(suffix: string) {
	const name = `${id}-app-${suffix}`;
	const sidecar = `${id}-side-${suffix}`;
	const appId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
	const { stdout } = await docker([
		'run', '-d', '--name', sidecar, '--label', TEST_LABEL, '--label', caseLabel, '--label', 'role=sidecar',
		'-e', 'SIDECAR_SETTING=kept', '--no-healthcheck', '--network', `container:${name}`, '--entrypoint', '/bin/sleep', w.pgImage, '600',
	]);
	return { name, sidecar, appId, sidecarId: stdout.trim() };
}

/** The sidecar is its original container again: same ID, running, in the namespace of the original app. */
async function expectSidecarBack(sidecar: string, sidecarId: string, appId: string) {
	const after = await inspect(sidecar);
	expect(after.Id).toBe(sidecarId);
	expect(after.State.Running).toBe(true);
	expect(after.HostConfig.NetworkMode).toMatch(new RegExp(`^container:(${appId}|${(await inspect(appId)).Name.slice(1)})$`));
	expect(await exists(`${sidecar}-old`)).toBe(false);
}

function journalOf(stateHome: string): any {
	const dir = join(stateHome, 'upgrade-wizard', 'runs');
	const [file] = readdirSync(dir).filter((entry) => entry.endsWith('.json'));
	return JSON.parse(readFileSync(join(dir, file!), 'utf8'));
}

describe('a dependent in the network namespace of the upgraded container', () => {
	it('the plan lists the sidecar stopped first and recreated after the gate', async () => {
		const { name, sidecar } = await appWithSidecar('plan');
		const run = await runWizard(['--yes', '--dry-run', '--container', name, '--to', '1.6.1']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		// The new app is created (staged) while both still serve; then the sidecar stops first.
		expect(run.stdout).toContain(`create the new ${name} as ${name}-uw-new from ${w.appRepo}:1.6.1 while the old one serves\n     then stop ${sidecar} (timeout 10 s; in ${name}'s network namespace)`);
		expect(run.stdout).toContain(`then recreate ${sidecar}: rename it ${sidecar}-old, create it from ${w.pgImage} with its own configuration in the new ${name}'s network namespace`);
		expect(run.stdout).toContain(`then remove ${name}-old, ${sidecar}-old`);
	});

	it('is stopped, the app upgrades, and it is recreated joined to the new app', async () => {
		const { name, sidecar, sidecarId } = await appWithSidecar('ok');
		const run = await runWizard(['--yes', '--container', name, '--to', '1.6.1', '--stable-for', '2']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const app = await inspect(name);
		expect(app.Config.Image).toBe(`${w.appRepo}:1.6.1`);
		await waitHealthy(name, 30_000);
		const side = await inspect(sidecar);
		expect(side.Id).not.toBe(sidecarId);
		expect(side.HostConfig.NetworkMode).toBe(`container:${app.Id}`);
		expect(side.State.Running).toBe(true);
		// Its own configuration: the same image, env, entrypoint and labels.
		expect(side.Config.Image).toBe(w.pgImage);
		expect(side.Config.Env).toContain('SIDECAR_SETTING=kept');
		expect(side.Config.Entrypoint).toEqual(['/bin/sleep']);
		expect(side.Config.Labels.role).toBe('sidecar');
		// It shares the new app's namespace: the app's port answers on its loopback.
		const probe = await docker(['exec', sidecar, 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/health/endtoend'], { reject: false });
		expect(probe.exitCode, probe.stderr).toBe(0);
		expect(await exists(`${name}-old`)).toBe(false);
		expect(await exists(`${sidecar}-old`)).toBe(false);
	});

	it('a failing target (1.7.1-crash) puts the app and the sidecar back: original IDs, running, the original namespace', async () => {
		const { name, sidecar, appId, sidecarId } = await appWithSidecar('crash');
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.1-crash', '--health-timeout', '30', '--stable-for', '2']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toMatch(/the container exited with code [1-9]/);
		await expectOriginalBack(name, appId, `${w.appRepo}:1.6.0`);
		await expectSidecarBack(sidecar, sidecarId, appId);
	});

	const step = (type: string, name: string, detail?: RegExp) => (event: WizardEvent) =>
		event.type === type && event.step === name && (!detail || detail.test(String(event.detail ?? '')));
	const cells: Array<[string, (event: WizardEvent) => boolean]> = [
		['after the sidecar was stopped', step('step-done', 'stop-apps')],
		['after the sidecar was parked', step('step-started', 'start-apps', /^create /)],
		['during the recreated sidecar\'s gate', step('step-started', 'start-apps', /^wait until the new /)],
	];
	for (const [cell, boundary] of cells) {
		it(`kill -9 ${cell}: recover puts back the original app and sidecar`, async () => {
			const { name, sidecar, appId, sidecarId } = await appWithSidecar(cell.replace(/\W+/g, '').slice(-10));
			const stateHome = newStateHome();
			const killed = await signalWhen(['--yes', '--container', name, '--to', '1.6.1', '--stable-for', '5'], 'SIGKILL', boundary, { stateHome, timeoutMs: 120_000 });
			expect(killed.sent, `the wizard ended before the boundary: ${JSON.stringify(killed.events.slice(-5))}`).toBe(true);
			expect(journalOf(stateHome).status).toBe('running');
			const dry = await runWizard(['recover', '--dry-run'], { stateHome });
			expect(dry.exitCode, dry.stderr).toBe(0);
			expect(dry.stdout).toContain(`start the old ${sidecar}`);

			const done = await runWizard(['recover', '--yes'], { stateHome, timeoutMs: 180_000 });
			expect(done.exitCode, done.stdout + done.stderr).toBe(0);
			await expectOriginalBack(name, appId, `${w.appRepo}:1.6.0`);
			await expectSidecarBack(sidecar, sidecarId, appId);
			expect(journalOf(stateHome).status).toBe('recovered');
		});
	}
});
