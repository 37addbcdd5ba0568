import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { dockerOn, TEST_LABEL, uniqueName } from '../support/docker.js';
import { newStateHome, runWizard, signalWhen, type WizardEvent } from '../support/wizard.js';

// A cluster over two real engines (issue 13): the world's engine and its
// second dockerd, one app container on each, sharing one database. Engine
// after engine, one backup, `-old` kept on both until both are healthy, a
// failure on the second engine rolls back the first too (same IDs), and a
// kill -9 during the second engine's health gate is put back by `recover`.
// The same, with one container name on both engines (the usual cluster).

const w = world();
const id = uniqueName('ecl');
const caseLabel = `io.upgrade-wizard.case=${id}`;
/** One test's nodes: a key of its own, since a second `case=` label would replace caseLabel and afterAll would miss them. */
const nodesLabel = (suffix: string) => `io.upgrade-wizard.nodes=${id}-${suffix}`;
const e1 = dockerOn(w.dockerHost);
const e2 = dockerOn(w.engine2Host);
let db: TestDatabase;

type Node = { engine: ReturnType<typeof dockerOn>; name: string; id: string };

/**
 * One app on each engine, from the registry, on the shared database. `strictOn2`:
 * the second one runs on 1.6.0 only, so the target fails there and only there.
 */
async function twoNodes(suffix: string, strictOn2 = false): Promise<[Node, Node]> {
	const label = nodesLabel(suffix);
	const start = async (engine: ReturnType<typeof dockerOn>, name: string, imageAndCommand: string[]) => {
		const { stdout } = await engine.docker([
			'run', '-d', '--name', name, '--label', TEST_LABEL, '--label', caseLabel, '--label', label,
			'-e', `DATABASE_URL=${db.containerUrl}`, '-v', db.socketMount, ...imageAndCommand,
		]);
		await engine.waitHealthy(name, 90_000);
		return { engine, name, id: stdout.trim() };
	};
	// The health gate passes on the app's own HTTP check before Docker's healthcheck even
	// runs, so "never healthy" is a container that exits: an entrypoint override (kept by
	// the recreate) that serves on 1.6.0 only.
	const strict = strictOn2
		? ['--entrypoint', '/bin/sh', `${w.appRepo}:1.6.0`, '-c', 'grep -qx APP_VERSION=1.6.0 /app/release && exec /app/entrypoint serve --flavor=1.6']
		: [`${w.appRepo}:1.6.0`];
	return Promise.all([start(e1, `${id}-${suffix}-a`, [`${w.appRepo}:1.6.0`]), start(e2, `${id}-${suffix}-b`, strict)]);
}

/** twoNodes, with one container name on both engines (each engine's own container). */
async function sameNameNodes(suffix: string, strictOn2 = false): Promise<[Node, Node]> {
	const [a, b] = await twoNodes(suffix, strictOn2);
	const name = `${id}-${suffix}`;
	await a.engine.docker(['rename', a.name, name]);
	await b.engine.docker(['rename', b.name, name]);
	return [{ ...a, name }, { ...b, name }];
}

const hosts = ['--host', w.dockerHost, '--host', w.engine2Host];

async function expectOn(node: Node, image: string, sameId: boolean) {
	const after = await node.engine.inspect(node.name);
	expect(after.Config.Image).toBe(image);
	expect(after.State.Running).toBe(true);
	if (sameId) expect(after.Id).toBe(node.id);
	else expect(after.Id).not.toBe(node.id);
	await node.engine.waitHealthy(node.name, 30_000);
	expect(await node.engine.exists(`${node.name}-old`)).toBe(false);
}

function journalOf(stateHome: string): any {
	const dir = join(stateHome, 'upgrade-wizard', 'runs');
	const [file] = readdirSync(dir).filter((entry) => entry.endsWith('.json'));
	return JSON.parse(readFileSync(join(dir, file!), 'utf8'));
}

beforeAll(async () => {
	db = await createTestDatabase(w);
});

afterAll(async () => {
	await e1.removeByLabel(caseLabel);
	await e2.removeByLabel(caseLabel);
	await db?.drop();
});

describe('a cluster over two engines', () => {
	it('upgrades one container on each engine in the order given: pulls on both first, one backup, -old kept until both are healthy, service downtime zero', async () => {
		const [a, b] = await twoNodes('ok');
		const stateHome = newStateHome();
		const run = await runWizard(['--yes', '--json', ...hosts, '--label', nodesLabel('ok'), '--to', '1.6.1'], { stateHome });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		const events = run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as WizardEvent & { engine?: string; detail?: string; summary?: any });
		const done = events.flatMap((event) => (event.type === 'step-done' ? [`${event.step} ${event.container}@${event.engine}`] : []));
		const at = (step: string, node: Node, engine: string) => done.indexOf(`${step} ${node.name}@${engine}`);
		// Each engine pulled for itself, before anything stopped anywhere.
		expect(events.filter((event) => event.type === 'step-done' && event.step === 'pull').map((event) => event.detail)).toEqual([`${w.appRepo}:1.6.1`, `${w.appRepo}:1.6.1`]);
		expect(at('pull', b, w.engine2Host)).toBeLessThan(at('stop', a, w.dockerHost));
		// Engine after engine; a's way back removed only once b is healthy too.
		expect(at('health', a, w.dockerHost)).toBeLessThan(at('stop', b, w.engine2Host));
		expect(at('health', b, w.engine2Host)).toBeLessThan(at('remove-old', a, w.dockerHost));
		expect(events.filter((event) => event.type === 'step-done' && event.step === 'backup')).toHaveLength(1);
		await expectOn(a, `${w.appRepo}:1.6.1`, false);
		await expectOn(b, `${w.appRepo}:1.6.1`, false);
		const summary = events.find((event) => event.type === 'run-done')!.summary;
		expect(summary.containers.map((each: any) => `${each.container} ${each.engine} ${each.result}`)).toEqual([`${a.name} ${w.dockerHost} upgraded`, `${b.name} ${w.engine2Host} upgraded`]);
		expect(summary.service).toMatchObject({ nodes: 2, downtimeMs: 0 });
		const journal = journalOf(stateHome);
		expect(journal.engines).toEqual([w.dockerHost, w.engine2Host]);
		expect(Object.values(journal.containers).map((record: any) => record.engine)).toEqual([w.dockerHost, w.engine2Host]);

		// The human summary says the service stayed up and who was down when.
		const [c, d] = await twoNodes('human');
		const human = await runWizard(['--yes', ...hosts, '--label', nodesLabel('human'), '--to', '1.6.1']);
		expect(human.exitCode, human.stdout + human.stderr).toBe(0);
		expect(human.stdout).toContain('service (2 nodes): downtime 0 ms, at least one node served throughout');
		expect(human.stdout).toMatch(new RegExp(`^\\s+${c.name} on ${w.dockerHost.replace(/[/.]/g, '\\$&')} down \\d\\d:\\d\\d:\\d\\d\\.\\d-\\d\\d:\\d\\d:\\d\\d\\.\\d UTC`, 'm'));
		expect(human.stdout).toMatch(new RegExp(`^\\s+${d.name} on ${w.engine2Host.replace(/[/.]/g, '\\$&')} down `, 'm'));
	});

	it('a target never healthy on the second engine rolls back both engines: the same container IDs, exit 1', async () => {
		const [a, b] = await twoNodes('bad', true);
		const run = await runWizard(['--yes', ...hosts, '--label', nodesLabel('bad'), '--to', '1.6.1', '--health-timeout', '20']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		expect(run.stdout).toMatch(new RegExp(`${b.name} on \\S+: .*: rolled back`));
		expect(run.stdout).toMatch(new RegExp(`${a.name} on \\S+: .*: rolled back`));
		expect(run.stdout).toContain(`rolled back because ${b.name} failed`);
		await expectOn(a, `${w.appRepo}:1.6.0`, true);
		await expectOn(b, `${w.appRepo}:1.6.0`, true);
	});

	it('kill -9 during the second engine\'s health gate: recover (from the first engine) puts both back', async () => {
		const [a, b] = await twoNodes('kill');
		const stateHome = newStateHome();
		const killed = await signalWhen(
			['--yes', ...hosts, '--label', nodesLabel('kill'), '--to', '1.6.1', '--health-timeout', '60'],
			'SIGKILL',
			(event) => event.type === 'step-started' && event.step === 'health' && event.container === b.name,
			{ stateHome, timeoutMs: 150_000 },
		);
		expect(killed.sent, JSON.stringify(killed.events.slice(-5))).toBe(true);
		expect(journalOf(stateHome).status).toBe('running');
		// Both engines are mid-run: a is on 1.6.1 with a-old parked, b is in its gate.
		expect(await a.engine.exists(`${a.name}-old`)).toBe(true);
		expect(await b.engine.exists(`${b.name}-old`)).toBe(true);

		// recover reached through the first engine alone finds the run and reaches the second from the journal.
		const dry = await runWizard(['recover', '--dry-run', '--host', w.dockerHost], { stateHome });
		expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
		expect(dry.stdout).toContain(`${b.name}:`);
		const done = await runWizard(['recover', '--yes', '--host', w.dockerHost], { stateHome, timeoutMs: 180_000 });
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		await expectOn(a, `${w.appRepo}:1.6.0`, true);
		await expectOn(b, `${w.appRepo}:1.6.0`, true);
		expect(journalOf(stateHome).status).toBe('recovered');
		const twice = await runWizard(['recover', '--yes', '--host', w.engine2Host], { stateHome });
		expect(twice.exitCode).toBe(0);
		expect(twice.stdout).toContain('nothing to recover');
	});

	it('the same container name on both engines (the usual cluster): both upgraded in one --yes run, each named with its engine', async () => {
		const [a, b] = await sameNameNodes('same');
		const stateHome = newStateHome();
		const run = await runWizard(['--yes', '--json', ...hosts, '--container', a.name, '--to', '1.6.1'], { stateHome });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		await expectOn(a, `${w.appRepo}:1.6.1`, false);
		await expectOn(b, `${w.appRepo}:1.6.1`, false);
		const [onA, onB] = [`${a.name} on ${w.dockerHost}`, `${b.name} on ${w.engine2Host}`];
		const events = run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as WizardEvent & { engine?: string; summary?: any });
		// Every container event names its unit once, by a label of its own, beside its engine.
		const named = events.filter((event) => 'container' in event && typeof event.container === 'string');
		expect(new Set(named.map((event) => `${event.container}@${event.engine}`))).toEqual(new Set([`${onA}@${w.dockerHost}`, `${onB}@${w.engine2Host}`]));
		const summary = events.find((event) => event.type === 'run-done')!.summary;
		expect(summary.containers.map((each: any) => `${each.container}|${each.name}|${each.engine}|${each.result}`)).toEqual([
			`${onA}|${a.name}|${w.dockerHost}|upgraded`,
			`${onB}|${b.name}|${w.engine2Host}|upgraded`,
		]);
		expect(summary.containers.every((each: any) => each.newContainerId && each.oldContainerId && each.newContainerId !== each.oldContainerId)).toBe(true);
		expect(summary.service).toMatchObject({ nodes: 2, downtimeMs: 0 });
		expect(summary.service.windows.map((window: any) => window.container)).toEqual([onA, onB]);
		const journal = journalOf(stateHome);
		expect(Object.keys(journal.containers)).toEqual([`${onA}@1.6.1`, `${onB}@1.6.1`]);
		expect(Object.values(journal.containers).map((record: any) => `${record.name} ${record.engine} ${record.phase}`)).toEqual([`${a.name} ${w.dockerHost} committed`, `${b.name} ${w.engine2Host} committed`]);
	});

	it('the same name on both engines, a target never healthy on the second: both rolled back, the same IDs, each line naming its engine', async () => {
		const [a, b] = await sameNameNodes('same-bad', true);
		const run = await runWizard(['--yes', ...hosts, '--container', a.name, '--to', '1.6.1', '--health-timeout', '20']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(1);
		const [onA, onB] = [`${a.name} on ${w.dockerHost}`, `${b.name} on ${w.engine2Host}`];
		expect(run.stdout).toContain(`  ${onA}: ${w.appRepo}:1.6.0 -> ${w.appRepo}:1.6.1: rolled back`);
		expect(run.stdout).toContain(`  ${onB}: ${w.appRepo}:1.6.0 -> ${w.appRepo}:1.6.1: rolled back`);
		expect(run.stdout).toContain(`rolled back because ${onB} failed`);
		// Said once: a label that names its engine is not given it twice.
		expect(run.stdout).not.toContain(`${onA} on `);
		await expectOn(a, `${w.appRepo}:1.6.0`, true);
		await expectOn(b, `${w.appRepo}:1.6.0`, true);
	});

	it('the same name on both engines, kill -9 during the second one\'s health gate: recover reads the labelled journal and puts both back', async () => {
		const [a, b] = await sameNameNodes('same-kill');
		const stateHome = newStateHome();
		const onB = `${b.name} on ${w.engine2Host}`;
		const killed = await signalWhen(
			['--yes', ...hosts, '--container', a.name, '--to', '1.6.1', '--health-timeout', '60'],
			'SIGKILL',
			(event) => event.type === 'step-started' && event.step === 'health' && event.container === onB,
			{ stateHome, timeoutMs: 150_000 },
		);
		expect(killed.sent, JSON.stringify(killed.events.slice(-5))).toBe(true);
		expect(Object.keys(journalOf(stateHome).containers)).toEqual([`${a.name} on ${w.dockerHost}@1.6.1`, `${onB}@1.6.1`]);
		const dry = await runWizard(['recover', '--dry-run', '--host', w.engine2Host], { stateHome });
		expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
		expect(dry.stdout).toContain(`check that ${onB} is healthy`);
		const done = await runWizard(['recover', '--yes', '--host', w.dockerHost], { stateHome, timeoutMs: 180_000 });
		expect(done.exitCode, done.stdout + done.stderr).toBe(0);
		expect(done.stdout).toContain(`  ${onB}: `);
		await expectOn(a, `${w.appRepo}:1.6.0`, true);
		await expectOn(b, `${w.appRepo}:1.6.0`, true);
		expect(journalOf(stateHome).status).toBe('recovered');
	});
});
