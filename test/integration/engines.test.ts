import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, inspect, removeByLabel, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { runWizard } from '../support/wizard.js';
import { tempDir } from '../support/temp-dir.js';
import { startSshd, type TestSshd } from '../support/sshd.js';
import { contextDirName } from '../../source/docker/docker-contexts.js';

// Which engine (issue 13): docker contexts in a temp DOCKER_CONFIG pointing at
// the world's engine, and ssh:// through a real sshd on loopback running the
// real `docker system dial-stdio`.

const w = world();
const id = uniqueName('eng');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const name = `${id}-app`;
const socketHost = w.dockerHost.startsWith('unix://') ? w.dockerHost : 'unix:///var/run/docker.sock';
let db: TestDatabase;
let originalId: string;
let sshd: TestSshd;

/** A DOCKER_CONFIG as `docker context create` leaves it. */
function dockerConfig(contexts: Record<string, string>, current?: string): string {
	const dir = tempDir('uw-engines-config-');
	for (const [context, host] of Object.entries(contexts)) {
		const meta = join(dir, 'contexts', 'meta', contextDirName(context));
		mkdirSync(meta, { recursive: true });
		writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: context, Metadata: { Description: 'the test world' }, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
	}
	if (current) writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: current }));
	return dir;
}

beforeAll(async () => {
	db = await createTestDatabase(w);
	originalId = await startApp(w, { name, tag: '1.6.0', db, caseLabel });
	sshd = await startSshd();
});

afterAll(async () => {
	await sshd?.stop();
	await removeByLabel(caseLabel);
	await db?.drop();
});

async function expectUntouched() {
	const after = await inspect(name);
	expect(after.Id).toBe(originalId);
	expect(after.State.Running).toBe(true);
	expect(after.Config.Image).toBe(`${w.appRepo}:1.6.0`);
	const listed = await docker(['ps', '-a', '--filter', `label=${caseLabel}`, '--format', '{{.Names}}']);
	expect(listed.stdout.trim().split('\n')).toEqual([name]);
}

describe('docker contexts', () => {
	it('the docker CLI itself reads the store this test writes (same layout)', async () => {
		const listed = await execa('docker', ['context', 'ls', '--format', '{{.Name}} {{.DockerEndpoint}}'], { env: { DOCKER_CONFIG: dockerConfig({ 'world-ctx': socketHost }) } });
		expect(listed.stdout.split('\n')).toContain(`world-ctx ${socketHost}`);
	});

	it.each([
		['--context', ['--context', 'world-ctx'], {}],
		['DOCKER_CONTEXT', [], { DOCKER_CONTEXT: 'world-ctx' }],
		['currentContext', [], { current: 'world-ctx' }],
	] as const)('%s: a dry run on the context engine names it in the plan', async (_how, args, how) => {
		const config = dockerConfig({ 'world-ctx': socketHost, broken: 'unix:///nonexistent.sock' }, 'current' in how ? how.current : 'broken');
		const env: Record<string, string> = { DOCKER_CONFIG: config, DOCKER_HOST: '' };
		if ('DOCKER_CONTEXT' in how) env.DOCKER_CONTEXT = how.DOCKER_CONTEXT;
		const run = await runWizard([...args, '--dry-run', '--container', name, '--to', '1.6.1'], { env });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toMatch(new RegExp(`^\\s+Engine world-ctx \\(${socketHost.replace(/[/.]/g, '\\$&')}\\) \\(API \\d+\\.\\d+\\)$`, 'm'));
		expect(run.stdout).toContain(`${name}: ${w.appRepo}:1.6.0 -> ${w.appRepo}:1.6.1: planned`);
		await expectUntouched();
	});

	it('an unknown context is exit 2, one line naming it, nothing touched', async () => {
		const run = await runWizard(['--yes', '--context', 'nope', '--container', name, '--to', '1.6.1'], { env: { DOCKER_CONFIG: dockerConfig({ 'world-ctx': socketHost }) } });
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^upgrade-wizard: docker context "nope" \(--context\) not found in .*contexts/)]);
		await expectUntouched();
	});

	it('a context and a --host reaching the same engine are one engine, named by the first', async () => {
		const sameSocket = socketHost.replace('unix:///var/run/', 'unix:///run/');
		const run = await runWizard(['--context', 'world-ctx', '--host', socketHost, '--host', sameSocket, '--dry-run', '--container', name, '--to', '1.6.1'], { env: { DOCKER_CONFIG: dockerConfig({ 'world-ctx': socketHost }) } });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toMatch(new RegExp(`^\\s+Engine world-ctx \\(${socketHost.replace(/[/.]/g, '\\$&')}\\) \\(API \\d+\\.\\d+\\)$`, 'm'));
		await expectUntouched();
	});

	it('an engine of several that does not answer in preflight: exit 2, one line naming it, nothing touched on any engine', async () => {
		const run = await runWizard(['--yes', '--context', 'world-ctx', '--host', 'unix:///run/upgrade-wizard-no-engine.sock', '--container', name, '--to', '1.6.1'], { env: { DOCKER_CONFIG: dockerConfig({ 'world-ctx': socketHost }) } });
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^upgrade-wizard: cannot reach the Docker engine at unix:\/\/\/run\/upgrade-wizard-no-engine\.sock \(ENOENT\), named by --host; .*\(nothing was touched on any engine\)$/)]);
		await expectUntouched();
	});
});

/** ssh children of this test's sshd still running (there must be none once the wizard is gone). */
async function dialChildren(): Promise<string[]> {
	const { stdout } = await execa('ps', ['-eo', 'args=']);
	return stdout.split('\n').filter((line) => line.includes(`-p ${sshd.port}`) && line.includes('dial-stdio'));
}

describe('ssh:// through the system ssh and docker system dial-stdio', () => {
	it('plans over ssh, then upgrades over ssh (pull, swap, health, backup): exit 0, no ssh child left', async () => {
		const host = `ssh://root@127.0.0.1:${sshd.port}`;
		const plan = await runWizard(['--host', host, '--dry-run', '--container', name, '--to', '1.6.1'], { env: sshd.env });
		expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
		expect(plan.stdout).toMatch(new RegExp(`^\\s+Engine ssh://root@127\\.0\\.0\\.1:${sshd.port} \\(API \\d+\\.\\d+\\)$`, 'm'));
		await expectUntouched();

		const run = await runWizard(['--yes', '--host', host, '--container', name, '--to', '1.6.1', '--health-timeout', '60'], { env: sshd.env });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const after = await inspect(name);
		expect(after.Config.Image).toBe(`${w.appRepo}:1.6.1`);
		expect(after.State.Running).toBe(true);
		expect(await docker(['ps', '-a', '--filter', `name=^${name}-old$`, '--format', '{{.Names}}']).then((r) => r.stdout.trim())).toBe('');
		expect(await dialChildren()).toEqual([]);
	});

	it('a host key the client does not trust is refused by ssh: exit 2, one line saying what ssh said', async () => {
		const run = await runWizard(['--yes', '--host', `ssh://root@127.0.0.1:${sshd.port}`, '--container', name, '--to', '1.6.2'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^upgrade-wizard: cannot reach the Docker engine at ssh:\/\/root@127\.0\.0\.1:\d+ \(ssh 127\.0\.0\.1: .*(Host key verification failed|Permission denied).*\), named by --host/)]);
	});
});

describe('the engine named everywhere (events, journal, audit log, summary, plan)', () => {
	const named = `${id}-named`;
	// A label of its own: the context tests above count the containers of theirs.
	const namedLabel = `io.upgrade-wizard.case=${id}-named`;

	beforeAll(async () => {
		await startApp(w, { name: named, tag: '1.6.0', db, caseLabel: namedLabel });
	});

	afterAll(async () => {
		await removeByLabel(namedLabel);
	});

	it('--dry-run (human): the run line, the Engine line and the summary heading name the context; a --host spelling of it adds no engine', async () => {
		const run = await runWizard(['--context', 'world-ctx', '--host', socketHost, '--dry-run', '--container', named, '--to', '1.6.1'], { env: { DOCKER_CONFIG: dockerConfig({ 'world-ctx': socketHost }) } });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const lines = run.stdout.split('\n');
		expect(lines).toContain(`upgrade-wizard run dry-run: ${named} on world-ctx`);
		expect(lines).toContain('summary (engine world-ctx):');
		expect(lines).toContain(`  ${named}: ${w.appRepo}:1.6.0 -> ${w.appRepo}:1.6.1: planned`);
		expect(lines.filter((line) => /^\s+Engine /.test(line))).toHaveLength(1);
	});

	it('a real run (--json): every container event, the plan, the journal record, the audit log and the summary name the engine', async () => {
		const run = await runWizard(['--yes', '--json', '--context', 'world-ctx', '--container', named, '--to', '1.6.1', '--health-timeout', '60'], { env: { DOCKER_CONFIG: dockerConfig({ 'world-ctx': socketHost }) } });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; container?: string; engine?: string; [key: string]: unknown });
		const aboutContainer = events.filter((event) => event.container !== undefined);
		expect(aboutContainer.map((event) => event.type)).toEqual(expect.arrayContaining(['step-started', 'step-done', 'progress', 'health']));
		expect(aboutContainer.filter((event) => event.engine !== 'world-ctx')).toEqual([]);
		expect(events.find((event) => event.type === 'run-started')).toMatchObject({ engines: { [named]: 'world-ctx' } });
		expect(events.find((event) => event.type === 'plan')).toMatchObject({ engines: [{ name: 'world-ctx', endpoint: socketHost }], containers: { [named]: 'world-ctx' } });
		const done = events.find((event) => event.type === 'run-done') as unknown as { summary: { journal: string; containers: Array<{ container: string; engine: string; result: string }> } };
		expect(done.summary.containers).toEqual([expect.objectContaining({ container: named, engine: 'world-ctx', result: 'upgraded' })]);

		const journal = JSON.parse(readFileSync(done.summary.journal, 'utf8')) as { engine: string; plan: { engine: { name: string }; units: Array<{ engine: string }> }; containers: Record<string, { engine: string }> };
		expect(journal.engine).toBe(socketHost);
		expect(journal.plan.engine.name).toBe('world-ctx');
		expect(journal.plan.units).toEqual([expect.objectContaining({ name: named, engine: 'world-ctx' })]);
		expect(journal.containers[`${named}@1.6.1`]?.engine).toBe('world-ctx');
		const audit = readFileSync(join(run.stateDir, 'audit.log'), 'utf8').trim().split('\n');
		expect(audit.length).toBeGreaterThan(1);
		expect(audit.every((line) => line.includes(` engine=world-ctx container=${named} `))).toBe(true);
		expect((await inspect(named)).Config.Image).toBe(`${w.appRepo}:1.6.1`);
	});
});
