import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, exists, inspect, removeByLabel, TEST_LABEL, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { runWizard } from '../support/wizard.js';

// Without --to the wizard proposes the newest stable version of the current
// major and gets there through the latest patch of every skipped minor.

const w = world();
const id = uniqueName('ver');
const caseLabel = `io.upgrade-wizard.case=${id}`;
let db: TestDatabase;

beforeAll(async () => {
	db = await createTestDatabase(w);
});

afterAll(async () => {
	await removeByLabel(caseLabel);
	await db?.drop();
});

describe('version intelligence', () => {
	it('goes from 1.6.0 to the newest 1.x through 1.7.2 with no --to', async () => {
		const name = `${id}-hops`;
		await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		const dry = await runWizard(['--dry-run', '--container', name]);
		expect(dry.exitCode, dry.stderr).toBe(0);
		expect(dry.stdout).toMatch(/Versions: 1\.6\.0 -> 1\.7\.2 \(minor\) -> 1\.8\.0 \(minor\): 2 hops/);
		expect(dry.stdout).toMatch(/Also available: 2\.0\.0 \(a major upgrade/);
		expect(dry.stdout).toContain(`Release notes 1.8.0: http://127.0.0.1/acme/app/releases/1.8.0`);

		const run = await runWizard(['--yes', '--container', name, '--health-timeout', '90']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const lines = run.stdout.split('\n');
		const firstHop = lines.findIndex((line) => line.includes(`[${name}] pull: ${w.appRepo}:1.7.2`));
		const secondHop = lines.findIndex((line) => line.includes(`[${name}] pull: ${w.appRepo}:1.8.0`));
		expect(firstHop).toBeGreaterThan(-1);
		expect(secondHop).toBeGreaterThan(firstHop);
		// The first hop is healthy before the second one pulls.
		const firstHealthy = lines.findIndex((line, index) => index > firstHop && line.includes(`[${name}] health done`));
		expect(firstHealthy).toBeGreaterThan(firstHop);
		expect(firstHealthy).toBeLessThan(secondHop);
		expect(run.stdout).toMatch(new RegExp(`${name}: ${w.appRepo.replace(/\./g, '\\.')}:1\\.6\\.0 -> .*:1\\.8\\.0: upgraded`));
		// Both hops migrate: both backups are listed, each with the version it takes the database back to.
		expect(run.stdout).toMatch(/^ {4}backup \(restores 1\.6\.0\): \S+1\.6\.0-to-1\.7\.2\S*\.dump/m);
		expect(run.stdout).toMatch(/^ {4}backup \(restores 1\.7\.2\): \S+1\.7\.2-to-1\.8\.0\S*\.dump/m);
		const after = await inspect(name);
		expect(after.Config.Image).toBe(`${w.appRepo}:1.8.0`);
		expect(await exists(`${name}-old`)).toBe(false);
		const [schema] = await db.query<{ version: number }>('SELECT max(version)::int AS version FROM schema_version');
		expect(schema!.version).toBe(6);
	});

	it('crosses a major only when named, and says so', async () => {
		const name = `${id}-hops`;
		const unnamed = await runWizard(['--yes', '--container', name]);
		expect(unnamed.exitCode, unnamed.stderr).toBe(0);
		expect(unnamed.stdout).toMatch(/already runs 1\.8\.0, the newest version on offer; 2\.0\.0 is a major upgrade/);
		expect((await inspect(name)).Config.Image).toBe(`${w.appRepo}:1.8.0`);
		// --json: stdout stays NDJSON, the run ends with a run-done carrying the reason.
		const json = await runWizard(['--yes', '--json', '--container', name]);
		expect(json.exitCode, json.stderr).toBe(0);
		const lines = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; summary?: { exitCode: number; message?: string } });
		expect(lines.at(-1)).toMatchObject({ type: 'run-done', summary: { exitCode: 0, message: expect.stringMatching(/already runs 1\.8\.0, the newest version on offer/) } });

		const named = await runWizard(['--yes', '--container', name, '--to', '2.0.0', '--health-timeout', '90']);
		expect(named.exitCode, named.stdout + named.stderr).toBe(0);
		expect(named.stdout).toMatch(/Major upgrade yes \(answered by --yes\)/);
		expect((await inspect(name)).Config.Image).toBe(`${w.appRepo}:2.0.0`);
	});

	// Issue 15 (10): filtering is the operator's right, a silent skip of a minor is not.
	it('a --tag-exclude that drops a minor of the walk is a warning in the plan, not a silent skip', async () => {
		const name = `${id}-exclude`;
		// The plan is all this needs: a container that runs, no database.
		await docker(['run', '-d', '--name', name, '--label', TEST_LABEL, '--label', caseLabel, '--entrypoint', '/bin/sleep', `${w.appRepo}:1.6.0`, '600']);
		const args = ['--dry-run', '--skip-backup', '--container', name, '--to', '1.8.0', '--tag-exclude', '^1\\.7\\.'];
		const run = await runWizard(args);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain('Versions: 1.6.0 -> 1.8.0 (minor)');
		expect(run.stdout).toContain('Warning: --tag-exclude leaves out 1.7.2, the stop on 1.7 between 1.6.0 and 1.8.0: the upgrade skips minor 1.7 and its migrations');

		const json = await runWizard([...args, '--json']);
		const plan = json.stdout.trim().split('\n').map((line) => JSON.parse(line)).find((event) => event.type === 'plan');
		expect(plan.lines.some((line: string) => line.startsWith('Warning: --tag-exclude leaves out 1.7.2'))).toBe(true);
	});
});
