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

// A cluster over two engines on in-memory engines: the executor sees one
// driver per kind (perEngine) and every unit goes to its own engine's. The
// same run on two real engines is test/integration/engine-cluster.test.ts.

const A = { name: 'node-a', endpoint: 'unix:///a.sock', apiVersion: '1.41', ref: { kind: 'context' as const, value: 'node-a' } };
const B = { name: 'ssh://ops@b', endpoint: 'ssh://ops@b', apiVersion: '1.41', ref: { kind: 'host' as const, value: 'ssh://ops@b' } };

function twoEnginePlan(a: ReturnType<typeof fakeEngine>, b: ReturnType<typeof fakeEngine>): Plan<ContainerPlan> {
	const plan = singleHopPlan(a.oldId);
	const first = plan.units[0]!;
	// The fake names its one container "app" on both engines; the cluster needs distinct names.
	b.containers.get(b.oldId)!.name = 'app2';
	const second: ContainerPlan = { ...first, key: 'app2@1.7.0', name: 'app2', parkedName: 'app2-old', engine: B.name, id: b.oldId, spec: { create: { name: 'app2', Image: TARGET }, connectBeforeStart: [] } };
	return { ...plan, units: [{ ...first, engine: A.name }, second], engine: A, engines: [A, B] };
}

async function runCluster(failuresOnB: FakeFailures = {}) {
	const a = fakeEngine();
	const b = fakeEngine(failuresOnB);
	const plan = twoEnginePlan(a, b);
	const dir = tempDir('uw-cluster-');
	const redactor = new Redactor();
	const journal = await Journal.create({ dir, runId: 'cluster-run', engine: A.endpoint, engines: [A.endpoint, B.endpoint], argv: [], redactor });
	const driverOn = (engine: typeof a) =>
		new ContainerDriver({
			docker: engine.docker,
			authFor: async () => undefined,
			replan: async () => {
				throw new Error('single hop');
			},
		});
	const engines = new Map([[A.name, A], [B.name, B]]);
	const events: TimedEvent[] = [];
	const executor = new Executor({
		drivers: { container: perEngine('container', { drivers: new Map([[A.name, driverOn(a)], [B.name, driverOn(b)]]), commandOn: (name, command) => dockerCommandOn(engines.get(name)!, command) }) },
		database: databasePort(a.docker),
		journal,
		audit: await AuditLog.open(dir, 'cluster-run', redactor),
		prompter: { name: '--yes', confirm: async () => true },
		redactor,
		onEvent: (event) => events.push(event),
	});
	const summary = await executor.run(plan);
	return { a, b, plan, summary, events, journal };
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
