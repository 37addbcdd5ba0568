import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, inspect, removeByLabel, TEST_LABEL, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { runWizard } from '../support/wizard.js';
import { tempDir } from '../support/temp-dir.js';

// Bad input: one clear line on stderr, exit 2, and the engine exactly as it was.

const w = world();
const id = uniqueName('bad');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const name = `${id}-app`;
let db: TestDatabase;
let originalId: string;

beforeAll(async () => {
	db = await createTestDatabase(w);
	originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
});

afterAll(async () => {
	await removeByLabel(caseLabel);
	await db?.drop();
});

async function expectUntouched() {
	const after = await inspect(name);
	expect(after.Id).toBe(originalId);
	expect(after.State.Running).toBe(true);
	expect(after.Config.Image).toBe(`${w.appRepo}:1.6.0`);
	const listed = await docker(['ps', '-a', '--filter', `label=${caseLabel}`, '--format', '{{.Names}}']);
	expect(listed.stdout.trim().split('\n').sort()).toEqual([name]);
}

function expectOneLine(stderr: string, pattern: RegExp) {
	const lines = stderr.trim().split('\n');
	expect(lines).toHaveLength(1);
	expect(lines[0]).toMatch(pattern);
}

describe('bad input exits 2 and touches nothing', () => {
	it.each([
		['an unknown container', ['--container', `${id}-nope`, '--to', '1.7.0'], /no container named .*-nope/],
		['a malformed tag', ['--container', name, '--to', 'bad tag!'], /malformed tag "bad tag!"/],
		['a tag not in the registry', ['--container', name, '--to', '9.9.9'], /tag not found|not found/i],
		['an unknown option', ['--container', name, '--to', '1.7.0', '--frobnicate'], /Unknown option '--frobnicate'/],
		['an empty container name', ['--container', '', '--dry-run'], /--container takes a container name/],
		['a name with a space', ['--container', 'ex a1', '--dry-run'], /--container takes a container name/],
		['a path for a name', ['--container', '../x', '--dry-run'], /--container takes a container name/],
		['a negative health timeout', ['--container', name, '--to', '1.7.0', '--health-timeout', '-5'], /^upgrade-wizard: --health-timeout -5 is a negative number of seconds: it takes 1\.\.86400$/],
	])('%s', async (_what, args, pattern) => {
		const run = await runWizard(['--yes', ...args]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expectOneLine(run.stderr, pattern);
		await expectUntouched();
	});

	// Issue 15 (14): a --json consumer gets one error object on stdout; stderr keeps its one line.
	it.each([
		['found while planning', ['--yes', '--container', name, '--to', '9.9.9'], /tag not found/],
		['found while parsing', ['--yes', '--container', name, '--frobnicate'], /Unknown option '--frobnicate'/],
		['found before the run', ['--container', name, '--to', '1.7.0'], /no terminal to ask questions on/],
	])('a usage error in --json mode (%s): one JSON error line as well', async (_when, args, pattern) => {
		const run = await runWizard(['--json', ...args]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expectOneLine(run.stderr, pattern);
		const lines = run.stdout.trim().split('\n');
		expect(lines).toHaveLength(1);
		const error = JSON.parse(lines[0]!);
		expect(error).toEqual({ type: 'error', exitCode: 2, message: run.stderr.trim().replace(/^upgrade-wizard: /, '') });
		await expectUntouched();
	});

	it('a downgrade', async () => {
		const newer = `${id}-newer`;
		const newerDb = await createTestDatabase(w);
		try {
			const newerId = await startApp(w, { name: newer, tag: '1.7.0', db: newerDb, caseLabel });
			const run = await runWizard(['--yes', '--container', newer, '--to', '1.6.1']);
			expect(run.exitCode, run.stdout + run.stderr).toBe(2);
			expectOneLine(run.stderr, /1\.6\.1 is older than the running 1\.7\.0.*restore a backup instead/);
			const after = await inspect(newer);
			expect(after.Id).toBe(newerId);
			expect(after.State.Running).toBe(true);
		} finally {
			await docker(['rm', '-f', newer]);
			await newerDb.drop();
		}
	});

	it('an unreachable engine', async () => {
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0'], { env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } });
		expect(run.exitCode).toBe(2);
		expectOneLine(run.stderr, /cannot reach the Docker engine at tcp:\/\/127\.0\.0\.1:1/);
		await expectUntouched();
	});

	it('no terminal and no --yes', async () => {
		const run = await runWizard(['--container', name, '--to', '1.7.0']);
		expect(run.exitCode).toBe(2);
		expectOneLine(run.stderr, /use --yes/);
		await expectUntouched();
	});

	it('a container started with --rm (stopping it would delete the only way back)', async () => {
		const autoremove = `${id}-rm`;
		const rmDb = await createTestDatabase(w);
		try {
			const rmId = await startApp(w, { name: autoremove, tag: '1.6.0', db: rmDb, caseLabel, args: ['--rm'] });
			const run = await runWizard(['--yes', '--container', autoremove, '--to', '1.6.1']);
			expect(run.exitCode, run.stdout + run.stderr).toBe(2);
			expectOneLine(run.stderr, /runs with --rm \(AutoRemove\).*nothing to go back to; recreate it without --rm/);
			const after = await inspect(autoremove);
			expect(after.Id).toBe(rmId);
			expect(after.State.Running).toBe(true);
		} finally {
			await docker(['rm', '-f', autoremove], { reject: false });
			await rmDb.drop();
		}
	});

	it('a <name>-old already present', async () => {
		await docker(['create', '--name', `${name}-old`, '--label', TEST_LABEL, '--label', caseLabel, `${w.appRepo}:1.6.0`]);
		try {
			const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0']);
			expect(run.exitCode).toBe(2);
			expectOneLine(run.stderr, new RegExp(`a container named ${name}-old already exists`));
			// It may be the only copy of the previous version: never advise removing it.
			expect(run.stderr).not.toMatch(/remove/i);
			const after = await inspect(name);
			expect(after.Id).toBe(originalId);
			expect(after.State.Running).toBe(true);
		} finally {
			await docker(['rm', '-f', `${name}-old`]);
		}
	});

	it('a <name>-uw-new already present (the name the new container is created under before the stop)', async () => {
		const leftover = await docker(['create', '--name', `${name}-uw-new`, '--label', TEST_LABEL, '--label', caseLabel, `${w.appRepo}:1.7.0`]);
		try {
			const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0']);
			expect(run.exitCode).toBe(2);
			expectOneLine(run.stderr, new RegExp(`a container named ${name}-uw-new already exists \\(not created by any run in this state dir\\)`));
			const after = await inspect(name);
			expect(after.Id).toBe(originalId);
			expect(after.State.Running).toBe(true);
			// Somebody's container is never removed for them.
			expect((await inspect(`${name}-uw-new`)).Id).toBe(leftover.stdout.trim());
		} finally {
			await docker(['rm', '-f', `${name}-uw-new`]);
		}
	});

	it.each([
		['managed by Docker Compose', ['--label', 'com.docker.compose.project=shop'], /managed by Docker Compose, but its labels name no Compose project and service/],
		['a Swarm task', ['--label', 'com.docker.swarm.service.name=shop_app'], /is a Swarm task; upgrade its service with docker service update/],
	])('a container %s', async (_what, labels, pattern) => {
		const other = `${id}-${labels[1]!.split('.')[2]!.slice(0, 5)}`;
		const otherDb = await createTestDatabase(w);
		try {
			const otherId = await startApp(w, { name: other, tag: '1.6.0', db: otherDb, caseLabel, args: labels });
			const run = await runWizard(['--yes', '--container', other, '--to', '1.7.0']);
			expect(run.exitCode, run.stdout + run.stderr).toBe(2);
			expectOneLine(run.stderr, pattern);
			expect((await inspect(other)).Id).toBe(otherId);
		} finally {
			await docker(['rm', '-f', other]);
			await otherDb.drop();
		}
	});

	it('a container pinned by digest', async () => {
		const pinned = `${id}-pinned`;
		const digest = (await inspect(`${w.appRepo}:1.6.0`)).RepoDigests.find((entry: string) => entry.startsWith(w.appRepo));
		const pinnedDb = await createTestDatabase(w);
		try {
			await docker(['run', '-d', '--name', pinned, '--label', TEST_LABEL, '--label', caseLabel, '-e', `DATABASE_URL=${pinnedDb.containerUrl}`, '-v', pinnedDb.socketMount, digest]);
			const run = await runWizard(['--yes', '--container', pinned, '--to', '1.7.0']);
			expect(run.exitCode, run.stdout + run.stderr).toBe(2);
			expectOneLine(run.stderr, /pinned by digest/);
		} finally {
			await docker(['rm', '-f', pinned]);
			await pinnedDb.drop();
		}
	});

	// Issue 15 (13): namespace dependents are now recreated around the upgrade
	// (upgrade-dependents.test.ts); only the shapes that cannot be put back are refused.
	it('a dependent in its network namespace that runs with --rm', async () => {
		const sidecar = `${id}-rmside`;
		await docker(['run', '-d', '--rm', '--name', sidecar, '--label', TEST_LABEL, '--label', caseLabel, '--network', `container:${name}`, '--entrypoint', '/bin/sleep', w.pgImage, '600']);
		try {
			const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0']);
			expect(run.exitCode, run.stdout + run.stderr).toBe(2);
			expectOneLine(run.stderr, new RegExp(`${name} is used by ${sidecar} \\(network namespace or link\\), which runs with --rm \\(AutoRemove\\): stopping it would delete it; recreate ${sidecar} without --rm, then upgrade ${name}`));
			const after = await inspect(name);
			expect(after.Id).toBe(originalId);
			expect(after.State.Running).toBe(true);
			expect((await inspect(sidecar)).State.Running).toBe(true);
		} finally {
			await docker(['rm', '-f', sidecar]);
		}
	});

	it('a dependent of a dependent (nested namespaces)', async () => {
		const sidecar = `${id}-outer`;
		const inner = `${id}-inner`;
		await docker(['run', '-d', '--name', sidecar, '--label', TEST_LABEL, '--label', caseLabel, '--network', `container:${name}`, '--entrypoint', '/bin/sleep', w.pgImage, '600']);
		await docker(['run', '-d', '--name', inner, '--label', TEST_LABEL, '--label', caseLabel, '--network', `container:${sidecar}`, '--entrypoint', '/bin/sleep', w.pgImage, '600']);
		try {
			const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0']);
			expect(run.exitCode, run.stdout + run.stderr).toBe(2);
			expectOneLine(run.stderr, new RegExp(`${name} is used by ${sidecar} \\(network namespace or link\\), which itself is used by ${inner}: nested namespaces or links are not recreated`));
			expect((await inspect(name)).Id).toBe(originalId);
		} finally {
			await docker(['rm', '-f', inner, sidecar]);
		}
	});

	it('no database and neither --db nor --skip-backup (names both)', async () => {
		const nodb = `${id}-nodb`;
		// The fixture image's own entrypoint needs DATABASE_URL; this container only has to run.
		await docker(['run', '-d', '--name', nodb, '--label', TEST_LABEL, '--label', caseLabel, '--entrypoint', '/bin/sleep', `${w.appRepo}:1.6.0`, '600']);
		try {
			const run = await runWizard(['--yes', '--container', nodb, '--to', '1.6.1', '--stable-for', '1']);
			expect(run.exitCode, run.stdout + run.stderr).toBe(2);
			expectOneLine(run.stderr, /no database found .*pass --db URL, or --skip-backup/);
			// --dry-run shows the plan all the same, the database marked missing.
			const dry = await runWizard(['--dry-run', '--container', nodb, '--to', '1.6.1']);
			expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
			expect(dry.stdout).toMatch(/Database: MISSING: .*no database found .*a run needs --db URL, or --skip-backup/);
			expect(dry.stdout).toContain(`${nodb}: ${w.appRepo}:1.6.0 -> ${w.appRepo}:1.6.1`);
		} finally {
			await docker(['rm', '-f', nodb]);
		}
	});

	it('a second run while another holds the engine lock', async () => {
		const { hostname, userInfo } = await import('node:os');
		const { newStateHome } = await import('../support/wizard.js');
		// The lock is the engine's own (a marker container under a fixed name): seen from any
		// state dir, however DOCKER_HOST is spelled. This test process is alive, so its pid holds it.
		const holder = { pid: String(process.pid), host: hostname(), user: userInfo().username, since: '2026-01-01T00:00:00.000Z', engine: w.dockerHost };
		const labels = Object.entries(holder).flatMap(([key, value]) => ['--label', `io.upgrade-wizard.lock.${key}=${value}`]);
		await docker(['create', '--name', 'upgrade-wizard-lock', '--label', 'io.upgrade-wizard.lock=1', '--label', TEST_LABEL, ...labels, '--entrypoint', '/never', `${w.appRepo}:1.6.0`]);
		try {
			for (const spelling of [w.dockerHost, `unix://${w.dockerHost.replace(/^unix:\/\//, '').replace(/^\/var\/run\//, '/run/')}`]) {
				const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0'], { stateHome: newStateHome(), env: { DOCKER_HOST: spelling } });
				expect(run.exitCode).toBe(2);
				expectOneLine(run.stderr, new RegExp(`holds the lock .*pid ${process.pid} .* since 2026-01-01`));
			}
			await expectUntouched();
		} finally {
			await docker(['rm', '-f', 'upgrade-wizard-lock'], { reject: false });
		}
	});

	it('--dry-run prints the plan and the create-options diff and touches nothing', async () => {
		const run = await runWizard(['--dry-run', '--container', name, '--to', '1.7.0']);
		expect(run.exitCode, run.stderr).toBe(0);
		expect(run.stdout).toContain(`${name}: ${w.appRepo}:1.6.0 -> ${w.appRepo}:1.7.0`);
		expect(run.stdout).toMatch(/~ .*image/i);
		await expectUntouched();
	});

	it('--dry-run creates no directory: a missing --backup-dir is reported, made absolute', async () => {
		const { existsSync, mkdtempSync } = await import('node:fs');
		const { tmpdir } = await import('node:os');
		const { join, relative } = await import('node:path');
		const base = tempDir('uw-dry-');
		const missing = join(base, 'deep', 'er', 'backups');
		const run = await runWizard(['--dry-run', '--container', name, '--to', '1.7.0', '--backup-dir', relative(process.cwd(), missing)]);
		expect(run.exitCode, run.stderr).toBe(0);
		expect(run.stdout).toContain(`Backup: pg_dump -Fc to ${missing} (does not exist yet: a run creates it, 0700)`);
		expect(existsSync(join(base, 'deep'))).toBe(false);
		// Nor the default state dirs: a dry run writes nothing at all.
		expect(existsSync(join(run.stateDir, 'backups'))).toBe(false);
		await expectUntouched();
	});
});
