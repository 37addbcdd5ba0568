import { afterAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, freePort, inspect, removeByLabel, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { runWizard } from '../support/wizard.js';

// Issue 15, item 8: the registry does not answer, and --to names an image the
// engine already has. The plan says it upgrades straight to the local image:
// it must then use it as announced (never pull, never report "rolled back"
// for a run that touched nothing), and call the upgrade what it is.

const w = world();
const id = uniqueName('regdown');
const caseLabel = `io.upgrade-wizard.case=${id}`;
let db: TestDatabase | undefined;
const tags: string[] = [];

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const tag of tags) await docker(['rmi', tag], { reject: false });
	await db?.drop();
});

describe('the registry is down and the target is on the engine', () => {
	it('upgrades to the local image as announced, without pulling', async () => {
		// A registry address nothing listens on: the images exist only in the engine's store.
		const gone = `127.0.0.1:${await freePort()}/acme/app`;
		for (const tag of ['1.6.0', '1.6.1']) {
			await docker(['pull', `${w.appRepo}:${tag}`]);
			await docker(['tag', `${w.appRepo}:${tag}`, `${gone}:${tag}`]);
			tags.push(`${gone}:${tag}`);
		}
		db = await createTestDatabase(w);
		const name = `${id}-app`;
		await startApp(w, { name, tag: '1.6.0', db, caseLabel, image: `${gone}:1.6.0` });
		const run = await runWizard(['--yes', '--container', name, '--to', '1.6.1']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toMatch(/upgrading straight to the local 1\.6\.1 without path checks/);
		expect(run.stdout).toContain('1.6.1 (patch)');
		expect(run.stdout).not.toMatch(/pull of .* failed/);
		const after = await inspect(name);
		expect(after.Config.Image).toBe(`${gone}:1.6.1`);
		expect(after.State.Running).toBe(true);
	});
});
