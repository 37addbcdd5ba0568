import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, statfsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, exists, freePort, inspect, removeByLabel, TEST_LABEL, uniqueName, waitHealthy } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { runWizard, type WizardRun } from '../support/wizard.js';

// Faults that strike after preflight passed but before anything stops: the
// database server dies in the middle of the dump, the backup disk fills up in
// the middle of the dump, the registry dies in the middle of the pull. Each
// runs the real binary with --yes against real parts and must end the same
// way: exit 1 or 2, one line saying what failed, the app container exactly as
// it was (same ID, running, same image, no -old, nothing else created), no
// dump that could pass for a backup, and a journal that does not claim success.

const w = world();
const id = uniqueName('fbs');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const databases: TestDatabase[] = [];
const mounts: string[] = [];
const images: string[] = [];
let root: string;
let registryProcess: ChildProcess | undefined;
/** Names of the containers this file made (all carry caseLabel). */
const created = new Set<string>();

beforeAll(async () => {
	root = await mkdtemp(join(tmpdir(), 'uw-faults-'));
});

afterAll(async () => {
	// Every step runs even when one fails (an engine that went away must not leave
	// our registry running or the tmpfs mounted); failures are reported at the end.
	const problems: unknown[] = [];
	const step = async (cleanup: () => Promise<unknown> | unknown) => {
		try {
			await cleanup();
		} catch (error) {
			problems.push(error);
		}
	};
	await step(() => {
		if (registryProcess && registryProcess.exitCode === null && registryProcess.signalCode === null) registryProcess.kill('SIGKILL');
	});
	for (const mount of mounts) await step(() => unmount(mount));
	await step(() => removeByLabel(caseLabel));
	for (const image of images) await step(() => docker(['rmi', '-f', image], { reject: false }));
	for (const db of databases) await step(() => db.drop());
	if (root) await step(() => rm(root, { recursive: true, force: true }));
	if (problems.length > 0) throw new AggregateError(problems, `cleanup of ${id} incomplete`);
});

/**
 * A tmpfs is busy while the engine or a tool still holds a file in it (the dump's
 * writer ends a moment after the wizard): try again, bounded, then detach it lazily
 * so that no mount outlives the run (it did once, after CI).
 */
async function unmount(mount: string): Promise<void> {
	for (let attempt = 0; attempt < 10; attempt++) {
		if ((await execa('umount', [mount], { reject: false })).exitCode === 0) return;
		await new Promise((resolve) => setTimeout(resolve, 300));
	}
	await execa('umount', ['-l', mount]);
}

const MiB = 1024 * 1024;
/** Each run's own XDG_STATE_HOME (journal, audit log, default backup dir), removed with the rest. */
const stateHome = () => mkdtemp(join(root, 'state-'));
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every file under `dir` (recursively), relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
	const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
	return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1)).sort();
}

/**
 * What every cell must end with. `failure` is what the one FAILED line must say.
 * `backupDirs`: where a dump could have been written; none may hold one.
 */
async function expectNothingChanged(
	run: WizardRun,
	app: { name: string; id: string; image: string },
	expected: { step: string; failure: RegExp; backupDirs: string[]; secret?: string; ignoreFiles?: string[] },
) {
	const output = `${run.stdout}\n--- stderr ---\n${run.stderr}`;
	expect([1, 2], output).toContain(run.exitCode);
	// One clear line says what failed, and it is the step that broke.
	const failed = run.stdout.split('\n').filter((line) => line.includes('FAILED'));
	expect(failed, output).toHaveLength(1);
	expect(failed[0], output).toMatch(new RegExp(`^\\[${escape(app.name)}\\] FAILED at ${expected.step}: `));
	expect(failed[0], output).toMatch(expected.failure);
	expect(run.stdout, output).toMatch(new RegExp(`^  ${escape(app.name)}: .*: failed, nothing changed\\n    reason: .*nothing was stopped`, 'm'));
	expect(run.stdout).toMatch(new RegExp(`^exit code ${run.exitCode}`, 'm'));
	expect(run.stderr, output).not.toMatch(/unexpected error/);
	// Nothing of the swap ran.
	for (const step of ['stop', 'rename', 'create', 'start', 'health', 'restore']) {
		expect(run.stdout, output).not.toMatch(new RegExp(`^\\[${escape(app.name)}\\] ${step}\\b`, 'm'));
	}
	if (expected.secret) expect(output).not.toContain(expected.secret);

	// The container: same ID, same image, still running and healthy; no -old, no sibling.
	const after = await inspect(app.name);
	expect(after.Id).toBe(app.id);
	expect(after.Config.Image).toBe(app.image);
	expect(after.State.Running).toBe(true);
	expect(after.RestartCount).toBe(0);
	await waitHealthy(app.name, 15_000);
	expect(await exists(`${app.name}-old`)).toBe(false);
	const siblings = await docker(['ps', '-a', '--filter', `name=^/${app.name}`, '--format', '{{.Names}}']);
	expect(siblings.stdout.trim().split('\n')).toEqual([app.name]);
	// Nothing else appeared either: the case's containers are the ones the test made.
	const ours = await docker(['ps', '-a', '--filter', `label=${caseLabel}`, '--format', '{{.Names}}']);
	expect(ours.stdout.trim().split('\n').sort()).toEqual([...created].sort());

	// No dump that could pass for a backup: no dump file at all (and so no checksum beside one).
	for (const dir of [...expected.backupDirs, run.stateDir]) {
		const files = (await filesUnder(dir)).filter((file) => !file.startsWith('runs/') && file !== 'audit.log' && !(expected.ignoreFiles ?? []).includes(file));
		expect(files, `files in ${dir}`).toEqual([]);
	}

	// The journal records the run as not successful and no step of the swap.
	const runs = (await readdir(join(run.stateDir, 'runs'))).filter((file) => file.endsWith('.json'));
	expect(runs).toHaveLength(1);
	const journal = JSON.parse(await readFile(join(run.stateDir, 'runs', runs[0]!), 'utf8')) as {
		status: string;
		finishedAt?: string;
		containers: Record<string, { phase: string; actions: unknown[] }>;
		backups?: unknown[];
	};
	expect(journal.status).not.toBe('done');
	expect(journal.status).not.toBe('running');
	expect(journal.finishedAt).toBeDefined();
	expect(journal.backups ?? []).toEqual([]);
	for (const entry of Object.values(journal.containers)) {
		expect(entry.phase).not.toBe('committed');
		expect(entry.actions).toEqual([]);
	}
	const audit = await readFile(join(run.stateDir, 'audit.log'), 'utf8').catch(() => '');
	expect(audit).not.toMatch(/action=(upgraded|backup|swap-started)/);
}

describe('faults before anything stops', () => {
	it.each([
		['killed', 'kill'],
		['stopped', 'stop'],
	])('the database container is %s in the middle of the dump', async (_how, verb) => {
		// A database in its own container (never the shared host Postgres), big
		// enough that pg_dump runs for seconds; the dump runs in it with docker exec.
		const net = `${id}-${verb}-net`;
		const dbName = `${id}-${verb}-pg`;
		const name = `${id}-db${verb}`;
		const password = `pw-${id}-s3cret`;
		await docker(['network', 'create', '--label', TEST_LABEL, '--label', caseLabel, net]);
		await docker([
			'run', '-d', '--name', dbName, '--network', net, '--network-alias', 'db',
			'--label', TEST_LABEL, '--label', caseLabel,
			'-e', `POSTGRES_PASSWORD=${password}`, '-e', 'POSTGRES_USER=app', '-e', 'POSTGRES_DB=appdb',
			w.pgImage,
		]);
		created.add(dbName);
		await waitHealthy(dbName, 90_000);
		const image = `${w.appRepo}:1.6.0`;
		const appId = (await docker([
			'run', '-d', '--name', name, '--network', net, '--label', TEST_LABEL, '--label', caseLabel,
			'-e', `DATABASE_URL=postgresql://app:${password}@db:5432/appdb`, image,
		])).stdout.trim();
		created.add(name);
		await waitHealthy(name, 90_000);
		// About 110 MB: pg_dump needs seconds for it, even on an idle machine.
		await docker([
			'exec', dbName, 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', 'app', '-d', 'appdb', '-c',
			"CREATE TABLE ballast AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5(random()::text) AS payload FROM generate_series(1, 800000) AS g",
		]);

		let dumpingLine: string | undefined;
		let fault: Promise<unknown> | undefined;
		const dumping = new RegExp(`^\\[${escape(name)}\\] backup \\d`);
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0'], {
			stateHome: await stateHome(),
			timeoutMs: 150_000,
			onLine: (line) => {
				// pg_dump's first byte counter: the dump is under way.
				if (!fault && dumping.test(line)) {
					dumpingLine = line;
					fault = docker([verb, dbName]);
				}
			},
		});
		await fault;
		expect(dumpingLine, run.stdout).toBeDefined();
		expect(run.stdout, run.stdout).not.toMatch(new RegExp(`^\\[${escape(name)}\\] backup done`, 'm'));
		expect((await inspect(dbName)).State.Running).toBe(false);
		await expectNothingChanged(run, { name, id: appId, image }, {
			step: 'backup',
			failure: new RegExp(
				`backup failed: (the database container ${escape(dbName)} stopped during the dump \\(exited, exit code \\d+\\)|lost the database server of .* during the dump \\(.+\\)); no partial dump was kept$`,
			),
			backupDirs: [],
			secret: password,
		});
		// No tool container was left on the database's network.
		const tools = await docker(['ps', '-aq', '--filter', 'label=io.upgrade-wizard.pg-tool=1', '--filter', `network=${net}`]);
		expect(tools.stdout.trim()).toBe('');
	}, 240_000);

	it('the backup dir fills up in the middle of the dump', async () => {
		const db = await createTestDatabase(w);
		databases.push(db);
		const name = `${id}-diskfull`;
		const image = `${w.appRepo}:1.6.0`;
		const appId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
		created.add(name);
		// About 25 MB of rows: the dump (compressed) is still several MB.
		await db.query("CREATE TABLE ballast AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5(random()::text) AS payload FROM generate_series(1, 200000) AS g");
		const [{ size }] = await db.query<{ size: string }>('SELECT pg_database_size(current_database())::text AS size');
		// Room for what preflight asks (1.2 x the database) and a little more.
		const tmpfsBytes = Math.ceil((Math.ceil(Number(size) * 1.2) + 8 * MiB) / 4096) * 4096;
		const backupDir = join(root, 'small-disk');
		await mkdir(backupDir);
		await execa('mount', ['-t', 'tmpfs', '-o', `size=${tmpfsBytes},mode=0700`, 'uw-faults-backup', backupDir]);
		mounts.push(backupDir);

		let filled: number | undefined;
		let fillError: unknown;
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0', '--backup-dir', backupDir], {
			stateHome: await stateHome(),
			timeoutMs: 150_000,
			onLine: (line, wizard) => {
				// The first line comes after preflight, which found 1.2 x the database free;
				// from here to the dump the wizard checks no space. Now the disk fills up, all
				// but half a megabyte: the dump starts and runs out of room. The wizard is held
				// still meanwhile (SIGSTOP), so that the dump cannot begin before the disk is full.
				if (filled !== undefined || !line.startsWith('upgrade-wizard run ') || !wizard.pid) return;
				process.kill(wizard.pid, 'SIGSTOP');
				try {
					const stats = statfsSync(backupDir);
					filled = Number(stats.bavail) * Number(stats.bsize) - MiB / 2;
					execFileSync('fallocate', ['-l', String(filled), join(backupDir, 'filler')]);
				} catch (error) {
					fillError = error;
				} finally {
					process.kill(wizard.pid, 'SIGCONT');
				}
			},
		});
		expect(fillError).toBeUndefined();
		expect(filled, run.stdout).toBeGreaterThan(Number(size));
		expect(run.stdout).toContain(`Backup: pg_dump -Fc to ${backupDir}`);
		expect(run.stdout).toMatch(new RegExp(`^\\[${escape(name)}\\] backup: .* -> ${escape(backupDir)}$`, 'm'));
		await expectNothingChanged(run, { name, id: appId, image }, {
			step: 'backup',
			failure: new RegExp(`backup failed: the backup dir ${escape(backupDir)} ran out of space during the dump; no partial dump was kept$`),
			backupDirs: [backupDir],
			ignoreFiles: ['filler'],
			secret: db.password,
		});
	}, 240_000);

	it('the registry dies in the middle of the pull', async () => {
		// A registry of our own (the world's are shared), serving the app's 1.6.0 and
		// a 1.7.0 with a 256 MB layer of random bytes, which takes a while to download.
		const port = await freePort();
		const registryDir = join(root, 'registry');
		await mkdir(join(registryDir, 'data'), { recursive: true });
		const config = join(registryDir, 'config.yml');
		await writeFile(config, [
			'version: 0.1',
			'log:',
			'  level: warn',
			'  accesslog:',
			'    disabled: true',
			'storage:',
			'  filesystem:',
			`    rootdirectory: ${join(registryDir, 'data')}`,
			'http:',
			`  addr: 127.0.0.1:${port}`,
			'',
		].join('\n'));
		const log = openSync(join(registryDir, 'registry.log'), 'a');
		const registry = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
		registryProcess = registry;
		closeSync(log);
		let answering = false;
		for (let attempt = 0; attempt < 60 && !answering && registry.exitCode === null; attempt++) {
			answering = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1000) }).then((response) => response.ok, () => false);
			if (!answering) await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(answering, await readFile(join(registryDir, 'registry.log'), 'utf8')).toBe(true);

		const repo = `127.0.0.1:${port}/acme/app`;
		images.push(`${repo}:1.6.0`, `${repo}:1.7.0`);
		await docker(['tag', `${w.appRepo}:1.6.0`, `${repo}:1.6.0`]);
		await docker(['push', '-q', `${repo}:1.6.0`]);
		const context = join(root, 'ballast-context');
		await mkdir(context);
		await execa('dd', ['if=/dev/urandom', `of=${join(context, 'ballast')}`, 'bs=1M', 'count=256', 'status=none']);
		await writeFile(join(context, 'Dockerfile'), `FROM ${w.appRepo}:1.7.0\nLABEL ${TEST_LABEL}\nADD ballast /ballast\n`);
		await docker(['build', '-q', '-t', `${repo}:1.7.0`, context]);
		await rm(context, { recursive: true, force: true });
		await docker(['push', '-q', `${repo}:1.7.0`]);
		// Gone from the engine again (its big layer with it): the wizard's pull must download it.
		await docker(['rmi', `${repo}:1.7.0`]);

		const db = await createTestDatabase(w);
		databases.push(db);
		const name = `${id}-regkill`;
		const image = `${repo}:1.6.0`;
		const appId = await startApp(w, { name, tag: '1.6.0', db, caseLabel, image });
		created.add(name);

		let killedAt: string | undefined;
		const pulling = new RegExp(`^\\[${escape(name)}\\] pull (\\d+)% `);
		// The engine retries the broken download for over a minute before it gives up.
		const run = await runWizard(['--yes', '--container', name, '--to', '1.7.0'], {
			stateHome: await stateHome(),
			timeoutMs: 200_000,
			onLine: (line) => {
				// The first progress line: layers are downloading. The registry dies.
				if (!killedAt && pulling.test(line)) {
					killedAt = line;
					registry.kill('SIGKILL');
				}
			},
		});
		expect(killedAt, run.stdout).toBeDefined();
		expect(Number(pulling.exec(killedAt!)![1])).toBeLessThan(100);
		expect(registry.signalCode).toBe('SIGKILL');
		await expectNothingChanged(run, { name, id: appId, image }, {
			step: 'pull',
			failure: new RegExp(
				`pull of ${escape(repo)}:1\\.7\\.0 failed: .*127\\.0\\.0\\.1:${port}.*connection refused \\(a layer download broke off; the engine retried it \\d+ times? before giving up\\)$`,
			),
			backupDirs: [],
			secret: db.password,
		});
		// The backup was never reached, and no half-pulled image is left behind.
		expect(run.stdout).not.toMatch(new RegExp(`^\\[${escape(name)}\\] backup`, 'm'));
		expect((await docker(['image', 'inspect', `${repo}:1.7.0`], { reject: false })).exitCode).not.toBe(0);
	}, 300_000);
});
