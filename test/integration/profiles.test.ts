import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { removeByLabel, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { runWizard } from '../support/wizard.js';
import { tempDir } from '../support/temp-dir.js';

// Profiles as data (issue 12), through the real binary: what `profiles` lists,
// a bad user file stopping the run in one line, and the plan naming the profile.

const w = world();
const id = uniqueName('prof');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const config = tempDir('uw-prof-config-');
const dir = join(config, 'upgrade-wizard', 'profiles');
let db: TestDatabase;

const profile = (pid: string, name: string) =>
	[
		`id: ${pid}`,
		`name: ${name}`,
		'match:',
		'  - repository: "*/shop/web"',
		'version: { label: org.opencontainers.image.version, tags: vX.Y.Z }',
		'database: { urlEnv: [SHOP_DATABASE_URL, DATABASE_URL] }',
		'schemaVersion: { query: "SELECT max(version) FROM schema_version", label: com.acme.app.schema-version }',
		'labels: { minUpgradeFrom: com.acme.app.min-upgrade-from, releaseNotes: com.acme.app.release-notes }',
		'migrationLog: migrat',
		'health: { port: 8080, path: /health/endtoend, status: 200 }',
		'',
	].join('\n');

beforeAll(async () => {
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, 'shop.yaml'), profile('shop', 'Shop web'));
	db = await createTestDatabase(w);
});

afterAll(async () => {
	await removeByLabel(caseLabel);
	await db?.drop();
	rmSync(config, { recursive: true, force: true });
});

describe('profiles', () => {
	it('lists the built-ins and a user profile from $XDG_CONFIG_HOME, with where each comes from', async () => {
		const run = await runWizard(['profiles'], { env: { XDG_CONFIG_HOME: config } });
		expect(run.exitCode, run.stderr).toBe(0);
		const lines = run.stdout.split('\n').filter(Boolean);
		expect(lines).toHaveLength(7);
		expect(lines[0]).toMatch(new RegExp(`^shop +Shop web +${join(dir, 'shop.yaml')}$`));
		expect(lines).toContainEqual(expect.stringMatching(/^generic +generic container +built-in$/));
		expect(lines).toContainEqual(expect.stringMatching(/^acme-app +Acme app +built-in$/));
		expect(lines).toContainEqual(expect.stringMatching(/^quay +Quay +built-in$/));
		expect(lines).toContainEqual(expect.stringMatching(/^inedo-proget +Inedo ProGet +built-in$/));

		const json = await runWizard(['profiles', '--json'], { env: { XDG_CONFIG_HOME: config } });
		expect(json.exitCode, json.stderr).toBe(0);
		expect(json.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line))).toEqual([
			{ id: 'shop', name: 'Shop web', source: join(dir, 'shop.yaml') },
			{ id: 'generic', name: 'generic container', source: 'built-in' },
			{ id: 'acme-app', name: 'Acme app', source: 'built-in' },
			{ id: 'quay', name: 'Quay', source: 'built-in' },
			{ id: 'anchore-engine', name: 'Anchore Engine', source: 'built-in' },
			{ id: 'inedo-proget', name: 'Inedo ProGet', source: 'built-in' },
			{ id: 'inedo-buildmaster-otter', name: 'Inedo BuildMaster / Otter', source: 'built-in' },
		]);
	});

	it('a malformed user profile: exit 2, one line naming the file and the key', async () => {
		const bad = tempDir('uw-prof-bad-');
		try {
			const badDir = join(bad, 'upgrade-wizard', 'profiles');
			mkdirSync(badDir, { recursive: true });
			writeFileSync(join(badDir, 'broken.yaml'), profile('broken', 'Broken').replace('port: 8080', 'port: "eighty"'));
			const run = await runWizard(['--dry-run', '--container', `${id}-none`], { env: { XDG_CONFIG_HOME: bad } });
			expect(run.exitCode).toBe(2);
			const lines = run.stderr.split('\n').filter(Boolean);
			expect(lines).toEqual([`upgrade-wizard: profile ${join(badDir, 'broken.yaml')}: health.port: must be an integer 1..65535, not "eighty"`]);
		} finally {
			rmSync(bad, { recursive: true, force: true });
		}
	});

	it('--dry-run names the profile of a fixture container; --profile FILE with a built-in id replaces it', async () => {
		const name = `${id}-app`;
		await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		const dry = await runWizard(['--dry-run', '--container', name], { env: { XDG_CONFIG_HOME: config } });
		expect(dry.exitCode, dry.stderr).toBe(0);
		expect(dry.stdout).toContain('Profile: Acme app (acme-app, built-in)');

		const mine = join(config, 'my-acme.yaml');
		writeFileSync(mine, profile('acme-app', 'My Acme').replace('"*/shop/web"', '"*/acme/app"'));
		const replaced = await runWizard(['--dry-run', '--container', name, '--profile', mine], { env: { XDG_CONFIG_HOME: config } });
		expect(replaced.exitCode, replaced.stderr).toBe(0);
		expect(replaced.stdout).toContain(`Profile: My Acme (acme-app, ${mine})`);

		const unknown = await runWizard(['--dry-run', '--container', name, '--profile-id', 'gitlab'], { env: { XDG_CONFIG_HOME: config } });
		expect(unknown.exitCode).toBe(2);
		expect(unknown.stderr.trim()).toBe('upgrade-wizard: --profile-id gitlab: no such profile (known: shop, generic, acme-app, quay, anchore-engine, inedo-proget, inedo-buildmaster-otter)');
	});
});
