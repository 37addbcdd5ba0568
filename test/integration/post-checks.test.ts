import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { inspect, removeByLabel, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { expectOriginalBack } from '../support/original-back.js';
import { runWizard } from '../support/wizard.js';
import { tempDir } from '../support/temp-dir.js';

// Post-upgrade checks from a user profile (one that replaces the built-in
// acme-app, as a user's can): the running version asked at the app's /version,
// failure lines in its log; warnings by default, a rollback when they gate;
// and the checklist in the summary either way.

const w = world();
const id = uniqueName('pc');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const databases: TestDatabase[] = [];
const dir = tempDir('uw-pc-');

/** The acme profile plus checks; `failLine` is a log pattern that 1.7.0's migrating start prints. */
function profileFile(name: string, checks: string): string {
	const file = join(dir, `${name}.yaml`);
	writeFileSync(
		file,
		`id: acme-app
name: Acme app with checks
match: [{ repository: ["*/acme/app"] }]
version: { label: org.opencontainers.image.version }
database: { urlEnv: DATABASE_URL }
schemaVersion: { query: SELECT max(version) FROM schema_version, label: com.acme.app.schema-version }
labels: { minUpgradeFrom: com.acme.app.min-upgrade-from, releaseNotes: com.acme.app.release-notes }
migrationLog: migrat
health: { port: 8080, path: /health/endtoend }
checks:
${checks}
`,
	);
	return file;
}

async function appOn16(suffix: string) {
	const db = await createTestDatabase(w);
	databases.push(db);
	const name = `${id}-${suffix}`;
	return { db, name, originalId: await startApp(w, { name, tag: '1.6.0', db, caseLabel }) };
}

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const db of databases) await db.drop();
});

describe('post-upgrade checks', () => {
	it('version done, a failure log line a warning with the line; the checklist in the summary and in --json', async () => {
		const { name } = await appOn16('warn');
		const file = profileFile('warn', '  version: { port: 8080, path: /version, json: version }\n  logs: { fail: ["migrating schema"], watchS: 1 }');
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0', '--profile', file]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toMatch(/warning: post-upgrade logs check: 1 line match migrating schema: .*migrating schema 3 -> 5/);
		expect(run.stdout).toContain('checklist: version done (version is 1.7.0 at /version); health done (');
		expect(run.stdout).toContain('logs failed (1 line match migrating schema)');
		const json = await runWizard(['--yes', '--json', '--container', name, '--to', '1.7.2', '--profile', file]);
		expect(json.exitCode, json.stdout + json.stderr).toBe(0);
		const done = JSON.parse(json.stdout.trim().split('\n').at(-1)!);
		expect(done.summary.containers[0].checklist.map((item: { check: string; status: string }) => `${item.check} ${item.status}`)).toEqual(['version done', 'health done', 'logs done']);
	});

	it('a version that is not the target: failed; when the checks gate, the upgrade rolls back and the database is restored', async () => {
		const { db, name, originalId } = await appOn16('gate');
		const file = profileFile('gate', '  version: { port: 8080, path: /version, json: schema }\n  gate: true');
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0', '--profile', file]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toContain('FAILED at checks: post-upgrade checks failed: version: ');
		expect(run.stdout).toContain('schema is 5, not 1.7.0');
		expect(run.stdout).toContain('database restored');
		expect((await db.query<{ v: number }>('SELECT max(version)::int AS v FROM schema_version'))[0]!.v).toBe(3);
		await expectOriginalBack(name, originalId, `${w.appRepo}:1.6.0`);
	});

	it('the plan says which checks run and whether they gate', async () => {
		const { name, originalId } = await appOn16('plan');
		const file = profileFile('plan', '  version: { port: 8080, path: /version, json: version }\n  logs: { fail: [Traceback, "\\\\bERROR\\\\b"], watchS: 5 }');
		const run = await runWizard(['--dry-run', '--container', name, '--to', '1.7.0', '--profile', file]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain('post-upgrade checks: version at :8080/version (version); no log line matching Traceback, \\bERROR\\b until 5 s after the gate (warnings)');
		expect((await inspect(name)).Id).toBe(originalId);
	});
});
