import { describe, expect, it } from 'vitest';
import { fakeEngine, singleHopPlan, TARGET, type FakeFailures } from '../support/fake-engine.js';
import { Executor } from '../../source/core/run/executor.js';
import { ContainerDriver } from '../../source/targets/container/driver.js';
import { databasePort } from '../../source/postgres/database-port.js';
import { Journal } from '../../source/core/journal/journal.js';
import { AuditLog } from '../../source/core/journal/audit-log.js';
import { Redactor } from '../../source/text/redact.js';
import { dockerCommandOn, perEngine } from '../../source/core/run/engine-drivers.js';
import { describePlan } from '../../source/core/plan/describe.js';
import type { ContainerPlan } from '../../source/targets/container/plan.js';
import type { Plan } from '../../source/core/plan/plan.js';
import type { TimedEvent } from '../../source/core/events.js';
import { tempDir } from '../support/temp-dir.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunContext } from '../../source/core/run/context.js';
import { planRecovery, recoverRun } from '../../source/core/run/recovery.js';
import { labelUnits } from '../../source/core/cluster-names.js';
import { summaryLines } from '../../source/reporters/human.js';

// A cluster over two engines on in-memory engines: the executor sees one
// driver per kind (perEngine) and every unit goes to its own engine's. The
// same run on two real engines is test/integration/engine-cluster.test.ts.

const A = { name: 'node-a', endpoint: 'unix:///a.sock', apiVersion: '1.41', ref: { kind: 'context' as const, value: 'node-a' } };
const B = { name: 'ssh://ops@b', endpoint: 'ssh://ops@b', apiVersion: '1.41', ref: { kind: 'host' as const, value: 'ssh://ops@b' } };

/** `sameName`: "app" on both engines (the fake's own name), as a cluster behind a load balancer has it; else app and app2. */
function twoEnginePlan(a: ReturnType<typeof fakeEngine>, b: ReturnType<typeof fakeEngine>, sameName = false): Plan<ContainerPlan> {
	const plan = singleHopPlan(a.oldId);
	const first = plan.units[0]!;
	const name = sameName ? 'app' : 'app2';
	b.containers.get(b.oldId)!.name = name;
	const second: ContainerPlan = { ...first, key: `${name}@1.7.0`, name, parkedName: `${name}-old`, engine: B.name, id: b.oldId, spec: { create: { name, Image: TARGET }, connectBeforeStart: [] } };
	return { ...plan, units: [{ ...first, engine: A.name }, second], engine: A, engines: [A, B] };
}

function clusterDrivers(a: ReturnType<typeof fakeEngine>, b: ReturnType<typeof fakeEngine>) {
	const driverOn = (engine: typeof a) =>
		new ContainerDriver({
			docker: engine.docker,
			authFor: async () => undefined,
			replan: async () => {
				throw new Error('single hop');
			},
		});
	const engines = new Map([[A.name, A], [B.name, B]]);
	return { container: perEngine('container', { drivers: new Map([[A.name, driverOn(a)], [B.name, driverOn(b)]]), commandOn: (name, command) => dockerCommandOn(engines.get(name)!, command) }) };
}

async function runCluster(failuresOnB: FakeFailures = {}, sameName = false) {
	const a = fakeEngine();
	const b = fakeEngine(failuresOnB);
	const plan = twoEnginePlan(a, b, sameName);
	const dir = tempDir('uw-cluster-');
	const redactor = new Redactor();
	const journal = await Journal.create({ dir, runId: 'cluster-run', engine: A.endpoint, engines: [A.endpoint, B.endpoint], argv: [], redactor });
	const events: TimedEvent[] = [];
	const executor = new Executor({
		drivers: clusterDrivers(a, b),
		database: databasePort(a.docker),
		journal,
		audit: await AuditLog.open(dir, 'cluster-run', redactor),
		prompter: { name: '--yes', confirm: async () => true },
		redactor,
		onEvent: (event) => events.push(event),
	});
	const summary = await executor.run(plan);
	return { a, b, plan, summary, events, journal, dir };
}

describe('a cluster over two engines', () => {
	it('pulls on each engine before anything stops, then swaps engine after engine, each container on its own engine', async () => {
		const { a, b, summary, events, journal } = await runCluster();
		expect(summary.exitCode).toBe(0);
		expect(a.pulls()).toBe(1);
		expect(b.pulls()).toBe(1);
		const order = events.flatMap((event) => (event.type === 'step-done' ? [`${event.step}:${event.container}@${event.engine}`] : []));
		// Both pulls come before the first stop; a's swap is whole before b's starts.
		expect(order.indexOf('pull:app2@ssh://ops@b')).toBeLessThan(order.indexOf('stop:app@node-a'));
		expect(order.indexOf('health:app@node-a')).toBeLessThan(order.indexOf('stop:app2@ssh://ops@b'));
		// -old stays on a until b is healthy too: the commit comes after every gate.
		expect(order.indexOf('health:app2@ssh://ops@b')).toBeLessThan(order.indexOf('remove-old:app@node-a'));
		expect([...a.containers.values()].map((c) => `${c.name} ${c.image} ${c.running}`)).toEqual([`app ${TARGET} true`]);
		expect([...b.containers.values()].map((c) => `${c.name} ${c.image} ${c.running}`)).toEqual([`app2 ${TARGET} true`]);
		expect(journal.doc.engines).toEqual([A.endpoint, B.endpoint]);
		expect(journal.doc.plan?.engines?.map((engine) => engine.ref)).toEqual([A.ref, B.ref]);
		expect(Object.values(journal.doc.containers).map((record) => record.engine)).toEqual([A.name, B.name]);
		expect(summary.containers.map((each) => `${each.container} ${each.engine} ${each.result}`)).toEqual(['app node-a upgraded', 'app2 ssh://ops@b upgraded']);
		// One node at a time: the service behind them never went down.
		expect(summary.service).toMatchObject({ nodes: 2, downtimeMs: 0 });
		expect(summary.service!.windows.map((window) => `${window.container}@${window.engine}`)).toEqual(['app@node-a', 'app2@ssh://ops@b']);
	});

	it('a failure on the second engine rolls back both engines: the same container IDs back, exit 1', async () => {
		const { a, b, summary } = await runCluster({ startNew: true });
		expect(summary.exitCode).toBe(1);
		expect(summary.containers.map((each) => `${each.container} ${each.result}`)).toEqual(['app rolled-back', 'app2 rolled-back']);
		expect([...a.containers.values()]).toEqual([{ id: a.oldId, name: 'app', image: 'registry.test/acme/app:1.6.0', running: true }]);
		expect([...b.containers.values()]).toEqual([{ id: b.oldId, name: 'app2', image: 'registry.test/acme/app:1.6.0', running: true }]);
	});

	it('hand-typed commands for another engine carry its flag', async () => {
		const { summary } = await runCluster({ startNew: true, renameBack: true });
		expect(summary.exitCode).toBe(3);
		const b = summary.containers.find((each) => each.container === 'app2')!;
		expect(b.commands).toEqual(['docker -H ssh://ops@b rename app2-old app2', expect.stringMatching(/^docker -H ssh:\/\/ops@b start [0-9a-f]{12}$/)]);
		// The first engine's container went back; only b's needs hands.
		expect(summary.containers.find((each) => each.container === 'app')).toMatchObject({ result: 'rolled-back' });
		expect(dockerCommandOn(A, 'docker rename app-old app')).toBe('docker --context node-a rename app-old app');
	});

	it('the plan names every engine in order and each container its engine', () => {
		const plan = twoEnginePlan(fakeEngine(), fakeEngine());
		const lines = describePlan(plan, () => []);
		expect(lines[0]).toBe('Engines, in this order: node-a (unix:///a.sock) (API 1.41), ssh://ops@b (API 1.41)');
		expect(lines).toContain(`1. app on node-a: registry.test/acme/app:1.6.0 -> registry.test/acme/app:1.7.0`);
		expect(lines).toContain(`2. app2 on ssh://ops@b: registry.test/acme/app:1.6.0 -> registry.test/acme/app:1.7.0`);
		expect(lines.some((line) => line.startsWith('Pull before anything stops, on each engine: '))).toBe(true);
	});
});

describe('one container name on both engines (a cluster behind a load balancer)', () => {
	const AT_A = 'app on node-a';
	const AT_B = 'app on ssh://ops@b';

	it('upgrades both, each named with its engine in events, journal keys, the summary, the audit log and the service lines', async () => {
		const { a, b, summary, events, journal, dir } = await runCluster({}, true);
		expect(summary.exitCode).toBe(0);
		expect([...a.containers.values()].map((c) => `${c.name} ${c.image} ${c.running}`)).toEqual([`app ${TARGET} true`]);
		expect([...b.containers.values()].map((c) => `${c.name} ${c.image} ${c.running}`)).toEqual([`app ${TARGET} true`]);
		// Every container event names the unit by its label, beside the engine it is on.
		const order = events.flatMap((event) => (event.type === 'step-done' ? [`${event.step}:${event.container}@${event.engine}`] : []));
		expect(order.indexOf(`pull:${AT_B}@${B.name}`)).toBeLessThan(order.indexOf(`stop:${AT_A}@${A.name}`));
		expect(order.indexOf(`health:${AT_A}@${A.name}`)).toBeLessThan(order.indexOf(`stop:${AT_B}@${B.name}`));
		expect(order.indexOf(`health:${AT_B}@${B.name}`)).toBeLessThan(order.indexOf(`remove-old:${AT_A}@${A.name}`));
		expect(events.some((event) => 'container' in event && event.container === 'app')).toBe(false);
		const started = events.find((event) => event.type === 'run-started');
		expect(started).toMatchObject({ containers: [AT_A, AT_B], engines: { [AT_A]: A.name, [AT_B]: B.name } });
		// The journal keeps one record per unit; a single engine's key format is unchanged elsewhere.
		expect(Object.keys(journal.doc.containers)).toEqual([`${AT_A}@1.7.0`, `${AT_B}@1.7.0`]);
		expect(Object.values(journal.doc.containers).map((record) => `${record.name} ${record.label} ${record.engine} ${record.phase}`)).toEqual([
			`app ${AT_A} ${A.name} committed`,
			`app ${AT_B} ${B.name} committed`,
		]);
		expect(journal.doc.plan?.units).toEqual([
			{ kind: 'container', name: 'app', engine: A.name, label: AT_A },
			{ kind: 'container', name: 'app', engine: B.name, label: AT_B },
		]);
		expect(summary.containers.map((each) => `${each.container}|${each.name}|${each.engine}|${each.result}`)).toEqual([`${AT_A}|app|${A.name}|upgraded`, `${AT_B}|app|${B.name}|upgraded`]);
		// Both timed on their own: two down windows, the service never down.
		expect(summary.containers.every((each) => each.downtimeMs !== undefined && each.timeline!.steps.length > 0)).toBe(true);
		expect(summary.service).toMatchObject({ nodes: 2, downtimeMs: 0 });
		expect(summary.service!.windows.map((window) => `${window.container}@${window.engine}`)).toEqual([`${AT_A}@${A.name}`, `${AT_B}@${B.name}`]);
		// The audit log names the container as the engine knows it, and the engine.
		const audit = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n');
		expect(audit.filter((line) => line.includes('action=upgraded')).map((line) => /engine=(\S+) container=(\S+)/.exec(line)!.slice(1).join(' '))).toEqual([`${A.name} app`, `${B.name} app`]);
		// Said once on every human line: the label already names the engine.
		const lines = summaryLines(summary);
		expect(lines.filter((line) => /^ {2}app/.test(line)).map((line) => line.split(': ')[0])).toEqual([`  ${AT_A}`, `  ${AT_B}`]);
		expect(lines.filter((line) => / down \d/.test(line)).map((line) => line.trim().split(' down ')[0])).toEqual([AT_A, AT_B]);
	});

	it('a failure on the second engine rolls back both: the same container IDs, each reason naming the engine', async () => {
		const { a, b, summary, events } = await runCluster({ startNew: true }, true);
		expect(summary.exitCode).toBe(1);
		expect(summary.containers.map((each) => `${each.container} ${each.result} ${each.oldContainerId}`)).toEqual([`${AT_A} rolled-back ${a.oldId}`, `${AT_B} rolled-back ${b.oldId}`]);
		expect(summary.containers[0]!.reason).toContain(`rolled back because ${AT_B} failed`);
		expect([...a.containers.values()]).toEqual([{ id: a.oldId, name: 'app', image: 'registry.test/acme/app:1.6.0', running: true }]);
		expect([...b.containers.values()]).toEqual([{ id: b.oldId, name: 'app', image: 'registry.test/acme/app:1.6.0', running: true }]);
		expect(events.filter((event) => event.type === 'rollback-done').map((event) => `${(event as { container: string }).container}@${(event as { engine?: string }).engine}`)).toEqual([`${AT_B}@${B.name}`, `${AT_A}@${A.name}`]);
	});

	it('exit 3 hands over commands for the right engine, and recover finishes from the labelled journal keys', async () => {
		const failures: FakeFailures = { startNew: true, renameBack: true };
		const { a, b, summary, journal, dir } = await runCluster(failures, true);
		expect(summary.exitCode).toBe(3);
		const onB = summary.containers.find((each) => each.container === AT_B)!;
		expect(onB.commands).toEqual(['docker -H ssh://ops@b rename app-old app', expect.stringMatching(/^docker -H ssh:\/\/ops@b start [0-9a-f]{12}$/)]);
		expect(summary.containers.find((each) => each.container === AT_A)).toMatchObject({ result: 'rolled-back' });

		// The engine lets the rename through now: recover reads the same journal and puts b back.
		failures.renameBack = false;
		const redactor = new Redactor();
		const reread = await Journal.load(journal.path, redactor);
		const ctx = new RunContext({ drivers: clusterDrivers(a, b), database: databasePort(a.docker), journal: reread, audit: await AuditLog.open(dir, 'cluster-run', redactor), prompter: { name: '--yes', confirm: async () => true }, redactor, onEvent: () => undefined });
		expect(planRecovery(ctx).steps).toEqual(expect.arrayContaining(['rename app-old back to app', `check that ${AT_B} is healthy`, `check that ${AT_A} is healthy`]));
		const recovered = await recoverRun(ctx, { restoreTarget: async () => { throw new Error('no restore'); } });
		expect(recovered.exitCode).toBe(0);
		expect(recovered.containers.map((each) => `${each.container}|${each.name}|${each.engine}|${each.result}`)).toEqual([`${AT_B}|app|${B.name}|rolled-back`, `${AT_A}|app|${A.name}|rolled-back`]);
		expect([...b.containers.values()]).toEqual([{ id: b.oldId, name: 'app', image: 'registry.test/acme/app:1.6.0', running: true }]);
	});

	it('--keep-old: the removal of each kept app-old carries its engine\'s flag', () => {
		const a = fakeEngine();
		const b = fakeEngine();
		const plan = twoEnginePlan(a, b, true);
		const drivers = clusterDrivers(a, b);
		expect(plan.units.map((unit) => drivers.container.keptRemoval!(unit))).toEqual([['docker --context node-a rm app-old'], ['docker -H ssh://ops@b rm app-old']]);
	});

	it('the plan says each one once, with its engine', () => {
		const plan = twoEnginePlan(fakeEngine(), fakeEngine(), true);
		labelUnits(plan.units);
		const lines = describePlan(plan, () => []);
		expect(lines).toContain(`1. ${AT_A}: registry.test/acme/app:1.6.0 -> registry.test/acme/app:1.7.0`);
		expect(lines).toContain(`2. ${AT_B}: registry.test/acme/app:1.6.0 -> registry.test/acme/app:1.7.0`);
	});
});
