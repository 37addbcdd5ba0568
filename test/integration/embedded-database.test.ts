import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { docker, exists, inspect, removeByLabel, TEST_LABEL, uniqueName } from '../support/docker.js';
import { productRepo, startDetached, waitForStatus } from '../support/products.js';
import { newStateHome, runWizard, signalWhen, type WizardEvent } from '../support/wizard.js';

// ProGet 2025+'s embedded database: a PostgreSQL server inside the app
// container on /var/proget/database. The ProGet-like 25.0.x fixtures run one
// (the world's Postgres server, port 5728) when no connection string is set.
// The wizard copies the data directory with the container stopped, and a
// rollback or `recover` puts the copy back before the old container starts.

const id = uniqueName('emb');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const repo = productRepo('proget');
const DATA = '/var/proget/database';

type Event = WizardEvent & { step?: string; detail?: string; source?: string; line?: string };
const events = (stdout: string): Event[] => stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Event);

/** A ProGet-2025-like container on a labelled volume of its own, ready. */
async function progetOn(suffix: string, tag = '25.0.1', extra: string[] = []) {
	const volume = `${id}-${suffix}-data`;
	await docker(['volume', 'create', '--label', TEST_LABEL, '--label', caseLabel, volume]);
	const started = await startDetached({ image: `${repo}:${tag}`, port: 80, caseLabel, args: ['-v', `${volume}:${DATA}`, ...extra] });
	await waitForStatus(`${started.url}/health`, 200, started.name, 60_000);
	return { ...started, volume, originalId: (await inspect(started.name)).Id };
}

/** The embedded server's answer to SQL, asked inside the (running) container. */
async function sql(container: string, query: string): Promise<string> {
	const { stdout } = await docker(['exec', container, 'psql', '-h', '127.0.0.1', '-p', '5728', '-U', 'proget', '-d', 'proget', '-X', '-tAc', query]);
	return stdout.trim();
}
const schemaOf = (container: string) => sql(container, 'SELECT version FROM schema_version');
const migratedBy = (container: string) => sql(container, "SELECT string_agg(\"by\" || ':' || from_schema || '->' || to_schema, ',' ORDER BY at) FROM migrated_by");

/** The original container (same ID, image) back under its name, serving, with no -old or -restore left (the image has no HEALTHCHECK). */
async function expectOriginalBack(app: { name: string; url: string; originalId: string }, image: string) {
	const after = await inspect(app.name);
	expect(after.Id).toBe(app.originalId);
	expect(after.Config.Image).toBe(image);
	expect(after.State.Running).toBe(true);
	// A restarted container publishes on a new host port.
	const { stdout } = await docker(['port', app.name, '80/tcp']);
	await waitForStatus(`http://${stdout.trim().split('\n')[0]}/health`, 200, app.name, 60_000);
	expect(await exists(`${app.name}-old`)).toBe(false);
	expect(await exists(`${app.name}-restore`)).toBe(false);
}

afterAll(async () => {
	await removeByLabel(caseLabel);
});

describe('an embedded database (ProGet 2025+ on /var/proget/database)', () => {
	it('--yes, no --db: the data directory is copied with the app stopped, then the new version migrates it', async () => {
		const app = await progetOn('ok');
		const stateHome = newStateHome();
		const run = await runWizard(['--yes', '--json', '--container', app.name, '--to', '25.0.2'], { stateHome });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const all = events(run.stdout);
		const order = all.filter((event) => event.type === 'step-done').map((event) => event.step);
		// Stopped first, copied, then the swap (its new container created before its own, now idempotent, stop): the copy is of a still directory.
		expect(order.slice(0, 5)).toEqual(['pull', 'stop', 'backup', 'create', 'stop']);
		const backup = all.find((event) => event.type === 'step-done' && event.step === 'backup')!;
		expect(backup.detail).toMatch(new RegExp(`\\.data\\.tar \\(.+, sha256 [0-9a-f]{16}…, \\d+ entries of ${DATA} verified\\)$`));
		const path = backup.detail!.split(' (')[0]!;
		expect(existsSync(path)).toBe(true);
		expect(readFileSync(`${path}.sha256`, 'utf8')).toMatch(/^[0-9a-f]{64} {2}\S+\.data\.tar\n$/);
		const after = await inspect(app.name);
		expect(after.Config.Image).toBe(`${repo}:25.0.2`);
		// The same volume, now migrated by the new version's service.
		expect(after.Mounts.find((mount) => mount.Destination === DATA)?.Name).toBe(app.volume);
		expect(await schemaOf(app.name)).toBe('5');
		expect(await migratedBy(app.name)).toBe('service:0->3,service:3->5');
	});

	it('the plan says where the database is and how it is backed up', async () => {
		const app = await progetOn('plan');
		const run = await runWizard(['--dry-run', '--container', app.name, '--to', '25.0.2']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain(`Database: embedded PostgreSQL 15 in ${app.name} (${DATA})`);
		expect(run.stdout).toMatch(new RegExp(`Database found in: the PostgreSQL 15 data directory ${DATA} \\(volume ${app.volume} at /\\S+\\)`));
		expect(run.stdout).toContain(`Backup: a copy of ${DATA} (volume ${app.volume}) to `);
		expect(run.stdout).toContain(`taken with ${app.name} STOPPED`);
	});

	it('a failing migration: exit 1, the copy put back, the original container up on the old data', async () => {
		const app = await progetOn('bad');
		const run = await runWizard(['--yes', '--container', app.name, '--to', '25.0.3-badmigration']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toMatch(new RegExp(`restore done in .+: \\d+ entries of ${DATA} put back from the copy, each listed again`));
		await expectOriginalBack(app, `${repo}:25.0.1`);
		// Migration 4 had committed before 5 failed: only the copy brings schema 3 back.
		expect(await schemaOf(app.name)).toBe('3');
		expect(await migratedBy(app.name)).toBe('service:0->3');
	});

	it('kill -9 while the new version migrates, then recover: the copy put back, the original back', async () => {
		const app = await progetOn('kill', '25.0.1', ['-e', 'MIGRATION_DELAY=1.5']);
		const stateHome = newStateHome();
		const killed = await signalWhen(['--yes', '--container', app.name, '--to', '25.0.2'], 'SIGKILL', (event) => {
			const e = event as Event;
			return e.type === 'log' && /migration 4\/5/.test(e.line ?? '');
		}, { stateHome, timeoutMs: 120_000 });
		expect(killed.sent, JSON.stringify(killed.events.slice(-5))).toBe(true);
		// The orphaned new container goes on migrating without the wizard.
		const deadline = Date.now() + 60_000;
		while (Date.now() < deadline && (await schemaOf(app.name).catch(() => '3')) !== '5') await new Promise((resolve) => setTimeout(resolve, 250));
		expect(await schemaOf(app.name)).toBe('5');
		const done = await runWizard(['recover', '--yes'], { stateHome, timeoutMs: 180_000 });
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		expect(done.stdout).toContain(`entries of ${DATA} put back from the copy`);
		await expectOriginalBack(app, `${repo}:25.0.1`);
		expect(await schemaOf(app.name)).toBe('3');
		expect(await migratedBy(app.name)).toBe('service:0->3');
		const again = await runWizard(['recover', '--yes'], { stateHome });
		expect(again.exitCode).toBe(0);
	});

	it('a data directory on no volume: exit 2, one line, nothing touched', async () => {
		const started = await startDetached({ image: `${repo}:25.0.1`, port: 80, caseLabel });
		await waitForStatus(`${started.url}/health`, 200, started.name, 60_000);
		const before = await inspect(started.name);
		const run = await runWizard(['--yes', '--container', started.name, '--to', '25.0.2']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim()).toBe(
			`upgrade-wizard: ${started.name}: its embedded database ${DATA} is in the container's own filesystem, not on a volume or bind mount: a new container would start without it; nothing was touched`,
		);
		const after = await inspect(started.name);
		expect(after.Id).toBe(before.Id);
		expect(after.State.Running).toBe(true);
	});

	it('another running container on the same volume: exit 2, nothing touched', async () => {
		const app = await progetOn('shared');
		const peer = `${id}-peer`;
		await docker(['run', '-d', '--name', peer, '--label', TEST_LABEL, '--label', caseLabel, '-v', `${app.volume}:/peek:ro`, '--entrypoint', 'sleep', `${repo}:25.0.1`, '300']);
		const run = await runWizard(['--yes', '--container', app.name, '--to', '25.0.2']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim()).toBe(
			`upgrade-wizard: ${app.name}: its embedded database's volume ${app.volume} is also mounted by the running ${peer}: two servers on one data directory corrupt it; stop it first`,
		);
		expect((await inspect(app.name)).Id).toBe(app.originalId);
		expect(await schemaOf(app.name)).toBe('3');
	});
});
